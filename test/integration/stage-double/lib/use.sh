# emerge test double: the USE flags of a package (sourced by emerge-double.sh).
# Stacked in the reverse of make.globals' USE_ORDER="env:pkg:conf:defaults:pkginternal:…", so
# that the environment beats package.use, which beats make.conf (config.py, regenerate/setcpv):
#   IUSE defaults (+flag) → make.conf USE → "*/*" lines of package.use (UseManager.py,
#   extract_global_USE_changes: they count as make.conf) → package.use by atom specificity
#   (UseManager.py getPUSE, helper.py ordered_by_atom_specificity) → USE in the environment.

# Applies USE tokens ("foo", "-foo", "-*", "VIDEO_CARDS:") to $flags; names them in $named.
apply_use_tokens() {
  local prefix="" token flag
  for token in "$@"; do
    case $token in
      *:) prefix="$(printf '%s' "${token%:}" | tr 'A-Z' 'a-z')_"; continue ;;
      -\*) flags=$(printf '%s\n' $flags | grep -v "^$prefix" || true); continue ;;
    esac
    flag=$prefix${token#-}; named="$named $flag"
    flags=$(printf '%s\n' $flags | grep -vxF -- "$flag" || true)
    [ "${token#-}" = "$token" ] && flags="$flags $flag"
  done
}

# package.use lines matching the package, least specific first; between atoms of equal rank the
# later line comes first, as ordered_by_atom_specificity reverses best_match_to_list's picks.
# Lines of one atom stay together in file order (they are one entry of the atom's dict).
matching_package_use() { # cp version slot → "flags…" lines
  local file line atom n=0 rank
  declare -A first=()
  while IFS=$'\t' read -r file line; do
    n=$((n + 1)); atom=${line%% *}
    [ "$atom" = "*/*" ] && continue
    atom_matches "$atom" "$1" "$2" "$3" || continue
    [ -n "${first[$atom]:-}" ] || first[$atom]=$n
    rank=$(atom_rank "$atom")
    printf '%s\t%s\t%s\t%s\n' "$((rank + 10))" "${first[$atom]}" "$n" "${line#"$atom"}"
  done < <(config_lines /etc/portage/package.use) | sort -t "$TAB" -k1,1n -k2,2nr -k3,3n | cut -f4
}

global_package_use() {
  local file line
  while IFS=$'\t' read -r file line; do
    [ "${line%% *}" = "*/*" ] && printf '%s\n' "${line#"*/*"}"
  done < <(config_lines /etc/portage/package.use)
}

# Sets $flags (enabled, sorted) and $iuse for cp version slot with the ebuild's IUSE $4. A
# package without an ebuild takes every flag named anywhere as its IUSE.
compute_use() {
  local token line named=""
  flags=""
  for token in $4; do case $token in +*) flags="$flags ${token#+}" ;; esac; done
  apply_use_tokens $(make_conf_var USE)
  while IFS= read -r line; do apply_use_tokens $line; done < <(global_package_use)
  while IFS= read -r line; do apply_use_tokens $line; done < <(matching_package_use "$1" "$2" "$3")
  apply_use_tokens ${USE:-}
  if [ -n "$E_FILE" ]; then iuse=$(printf '%s\n' $4 | sed 's/^[+-]//'); else iuse=$named; fi
  iuse=$(printf '%s\n' $iuse | LC_ALL=C sort -u | tr '\n' ' '); iuse=${iuse% }
  flags=$(printf '%s\n' $flags | grep -xF -f <(printf '%s\n' $iuse) | LC_ALL=C sort -u | tr '\n' ' ' || true)
  flags=${flags% }
}
