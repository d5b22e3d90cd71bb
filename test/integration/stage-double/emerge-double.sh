#!/bin/bash
# TEST DOUBLE for emerge(1). It is copied to /usr/bin/emerge in the integration tests' minimal
# stage and never ships. It resolves nothing and compiles nothing: it records what it was given
# and writes files in the formats described in GENTOO.md (binpkg paths with multi-instance
# BUILD_IDs, the PKGDIR/Packages index) so that binpkgbot's container code can be tested.
#
# Record: $EMERGE_DOUBLE_RECORD/<n>/{argv,env,portage} (default /var/log/emerge-double), one
#   numbered directory per invocation: argv one per line, `env | sort`, and every file under
#   /etc/portage as "==> path <==" followed by its contents.
# Catalogue: /var/db/repos/gentoo/emerge-double.catalogue, lines "cat/pkg version [slot]" and
#   "@set cat/pkg …" (sets build nothing unless listed). Absent packages are version 1.0, slot 0.
# Behaviours: an atom whose package name starts with "fails" is "masked" (exit 1, Portage's
#   message); EMERGE_DOUBLE_SLEEP=N sleeps N seconds first; --pretend/-p builds nothing.
# Simplifications: package.use atoms match by category/name (and exact "=" versions); the
#   "more specific atom wins" rule is not modelled, lines apply in file order after env USE.
set -u
# No pathname expansion: atoms such as */* must stay words.
set -f

CATALOGUE=/var/db/repos/gentoo/emerge-double.catalogue
PKGDIR=${PKGDIR:-/var/cache/binpkgs}
VERSION_RE='^(.+)-([0-9]+(\.[0-9]+)*[a-z]?((_alpha|_beta|_pre|_rc|_p)[0-9]*)*(-r[0-9]+)?)$'

record_invocation() {
  local root=${EMERGE_DOUBLE_RECORD:-/var/log/emerge-double} n=1
  mkdir -p "$root"
  # mkdir is atomic, so concurrent invocations get distinct numbers.
  while ! mkdir "$root/$n" 2>/dev/null; do n=$((n + 1)); done
  printf '%s\n' "$@" > "$root/$n/argv"
  env | LC_ALL=C sort > "$root/$n/env"
  : > "$root/$n/portage"
  if [ -d /etc/portage ]; then
    (cd /etc/portage && find . -type f | LC_ALL=C sort | while IFS= read -r f; do
      printf '==> %s <==\n' "${f#./}"; cat "$f"; done) > "$root/$n/portage"
  fi
}

# Strips operators, slot, repo, USE deps and a trailing "*" from an atom.
bare_atom() {
  local a=${1#[=<>~!]}; a=${a#[=<>~!]}; a=${a#[=<>~!]}
  a=${a%%::*}; a=${a%%:*}; a=${a%%\[*}
  # "=cat/pkg-1.2*" is a version glob; "*/*" and "cat/*" are wildcards and keep their "*".
  case $a in *[0-9]\*) a=${a%\*} ;; esac
  printf '%s' "$a"
}

# "cat/pn-1.2" → "cat/pn 1.2"; "cat/pn" → "cat/pn " (no version).
split_atom() {
  local a; a=$(bare_atom "$1")
  if [[ $a =~ $VERSION_RE ]]; then printf '%s %s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"; else printf '%s ' "$a"; fi
}

catalogue_field() { # cat/pn column → the column after the name (1 = version, 2 = slot)
  [ -f "$CATALOGUE" ] || return 0
  awk -v name="$1" -v column="$2" '$1 == name { print $(column + 1); exit }' "$CATALOGUE"
}

set_members() {
  [ -f "$CATALOGUE" ] || return 0
  awk -v name="$1" '$1 == name { for (i = 2; i <= NF; i++) print $i }' "$CATALOGUE"
}

# package.use as a file or a directory read recursively in lexical order, skipping names that
# start with "." or end in "~" (portage(5)).
package_use_files() {
  local p=/etc/portage/package.use
  if [ -f "$p" ]; then echo "$p"; elif [ -d "$p" ]; then
    find "$p" -type f | LC_ALL=C sort | while IFS= read -r f; do
      case ${f##*/} in .*|*~) ;; *) echo "$f" ;; esac; done
  fi
}

atom_matches() { # line-atom cat/pn version
  local raw=$1 cp=$2 version=$3 want wcat wpn wver
  read -r want wver <<< "$(split_atom "$raw")"
  wcat=${want%%/*}; wpn=${want#*/}
  [ "$wcat" = "*" ] || [ "$wcat" = "${cp%%/*}" ] || return 1
  [ "$wpn" = "*" ] || [ "$wpn" = "${cp#*/}" ] || return 1
  [ -z "${wver:-}" ] && return 0
  case $raw in
    =*\*) [[ $version == "$wver"* ]] ;;
    =*) [ "$version" = "$wver" ] ;;
    *) return 0 ;;
  esac
}

# Applies USE tokens ("foo", "-foo", "-*", "VIDEO_CARDS:") to the flag list in $flags.
apply_use_tokens() {
  local prefix="" token flag
  for token in "$@"; do
    case $token in
      *:) prefix="$(printf '%s' "${token%:}" | tr 'A-Z' 'a-z')_"; continue ;;
      -\*) flags=$(printf '%s\n' $flags | grep -v "^$prefix" || true); continue ;;
    esac
    flag=$prefix${token#-}; iuse="$iuse $flag"
    flags=$(printf '%s\n' $flags | grep -vx -- "$flag" || true)
    [ "${token#-}" = "$token" ] && flags="$flags $flag"
  done
}

compute_use() { # cat/pn version → sets $flags and $iuse
  local file line atom
  flags=""; iuse=""
  apply_use_tokens ${USE:-}
  for file in $(package_use_files); do
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%%#*}; set -- $line
      [ $# -ge 1 ] || continue
      atom=$1; shift
      atom_matches "$atom" "$cp" "$version" && apply_use_tokens "$@"
    done < "$file"
  done
  flags=$(printf '%s\n' $flags | LC_ALL=C sort -u | tr '\n' ' '); flags=${flags% }
  iuse=$(printf '%s\n' $iuse | LC_ALL=C sort -u | tr '\n' ' '); iuse=${iuse% }
}

fail_masked() {
  printf '\n!!! All ebuilds that could satisfy "%s" have been masked.\n' "$1" >&2
  printf '!!! One of the following masked packages is required to complete your request:\n' >&2
  local cp version
  read -r cp version <<< "$(split_atom "$1")"
  printf -- '- %s-%s::gentoo (masked by: package.mask)\n\n' "$cp" "${version:-1.0}" >&2
  exit 1
}

# Portage allocates BUILD_IDs by exclusive create (bintree.py, _allocate_filename_multi).
allocate_binpkg() { # dir pf → prints path
  local id=1
  while ! (set -o noclobber; : > "$1/$2-$id.gpkg.tar") 2>/dev/null; do id=$((id + 1)); done
  printf '%s\n' "$id"
}

write_binpkg() { # path cpv use
  local tmp; tmp=$(mktemp -d)
  : > "$tmp/gpkg-1"
  printf 'CPV=%s\nUSE=%s\n' "$2" "$3" > "$tmp/metadata"
  tar -cf - -C "$tmp" gpkg-1 metadata > "$1"
  rm -rf "$tmp"
}

packages_block() { # id relpath cpv slot
  local file=$PKGDIR/$2
  printf 'BUILD_ID: %s\nBUILD_TIME: %s\nCPV: %s\nEAPI: 8\nIUSE: %s\nKEYWORDS: amd64\n' "$1" "$(date +%s)" "$3" "$iuse"
  printf 'MD5: %s\nPATH: %s\nSHA1: %s\nSIZE: %s\nSLOT: %s\nUSE: %s\n' "$(md5sum < "$file" | cut -d' ' -f1)" "$2" \
    "$(sha1sum < "$file" | cut -d' ' -f1)" "$(stat -c %s "$file")" "$4" "$flags"
  printf 'MTIME: %s\nREPO: gentoo\n\n' "$(stat -c %Y "$file")"
}

# Portage rewrites Packages under lockf() on .Packages.portage_lockfile; busybox has no flock
# applet, so the double serialises its own writers with an atomic mkdir instead.
lock_index() { while ! mkdir "$PKGDIR/.Packages.emerge-double-lock" 2>/dev/null; do sleep 0.1; done; }
unlock_index() { rmdir "$PKGDIR/.Packages.emerge-double-lock"; }

# Rewrites the index: a sorted header, a blank line, then the package blocks (old ones kept).
rewrite_packages() { # new-block
  local index=$PKGDIR/Packages body count
  body=$( [ -f "$index" ] && sed '1,/^$/d' "$index"; printf '%s' "$1")
  count=$(printf '%s\n' "$body" | grep -c '^CPV: ' || true)
  { printf 'ACCEPT_KEYWORDS: amd64\nARCH: amd64\nCHOST: x86_64-pc-linux-gnu\nPACKAGES: %s\n' "$count"
    printf 'PROFILE: default/linux/amd64/23.0\nTIMESTAMP: %s\nVERSION: 0\n\n' "$(date +%s)"
    printf '%s\n\n' "$body" | sed '/^$/N;/^\n$/D'; } > "$index.tmp"
  mv "$index.tmp" "$index"
}

build_one() { # total index atom
  local cp version slot pn pf id rel
  read -r cp version <<< "$(split_atom "$3")"
  version=${version:-$(catalogue_field "$cp" 1)}; version=${version:-1.0}
  slot=$(catalogue_field "$cp" 2); slot=${slot:-0}
  pn=${cp#*/}; pf=$pn-$version
  echo ">>> Emerging ($2 of $1) $cp-$version::gentoo"
  compute_use
  mkdir -p "$PKGDIR/$cp"
  id=$(allocate_binpkg "$PKGDIR/$cp" "$pf")
  rel=$cp/$pf-$id.gpkg.tar
  write_binpkg "$PKGDIR/$rel" "$cp-$version" "$flags"
  lock_index
  rewrite_packages "$(packages_block "$id" "$rel" "$cp-$version" "$slot")"
  unlock_index
  mkdir -p /var/lib/emerge-double
  echo "$cp-$version" >> /var/lib/emerge-double/installed
  echo ">>> Completed ($2 of $1) $cp-$version::gentoo"
}

main() {
  record_invocation "$@"
  [ -n "${EMERGE_DOUBLE_SLEEP:-}" ] && sleep "$EMERGE_DOUBLE_SLEEP"
  local pretend=0 skip=0 arg atoms=() packages=()
  for arg in "$@"; do
    if [ $skip = 1 ]; then skip=0; continue; fi
    case $arg in
      -p|--pretend) pretend=1 ;;
      --jobs|-j|--load-average|--exclude|--usepkg-exclude|--backtrack|--root|--config-root) skip=1 ;;
      -*) ;;
      *) atoms+=("$arg") ;;
    esac
  done
  for arg in "${atoms[@]}"; do
    case $arg in
      @*) packages+=($(set_members "$arg")) ;;
      */*) case $(bare_atom "$arg") in */fails*) fail_masked "$arg" ;; esac; packages+=("$arg") ;;
    esac
  done
  [ $pretend = 1 ] && return 0
  local i=0
  for arg in "${packages[@]}"; do i=$((i + 1)); build_one "${#packages[@]}" "$i" "$arg"; done
}

main "$@"
