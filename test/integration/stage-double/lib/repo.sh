# emerge test double: the ebuild repository, masking and keywords (sourced by emerge-double.sh).
# The repository is a directory of real-looking ebuilds (cat/pn/pn-ver.ebuild) whose variables the
# double reads by sourcing them in a subshell. A package with no ebuild at all is taken as version
# 1.0, SLOT 0, KEYWORDS amd64 and no IUSE, so that tests may name any package; real emerge would
# answer "there are no ebuilds to satisfy".

REPO=/var/db/repos/gentoo
REPO_NAME=$(cat "$REPO/profiles/repo_name" 2>/dev/null || echo gentoo)
ARCH=amd64
# ACCEPT_KEYWORDS from the environment or make.conf, else the stable arch (as a profile sets it).
ACCEPT_KEYWORDS=${ACCEPT_KEYWORDS:-$(make_conf_var ACCEPT_KEYWORDS)}
ACCEPT_KEYWORDS=${ACCEPT_KEYWORDS:-$ARCH}

# Versions of cat/pn in the repository, highest first.
repo_versions() {
  local dir=$REPO/$1 pn=${1#*/} f v
  if [ -d "$dir" ]; then
    for f in $(ls "$dir" 2>/dev/null); do
      case $f in "$pn"-*.ebuild) v=${f#"$pn"-}; echo "${v%.ebuild}" ;; esac
    done | sort -V -r
  else
    echo 1.0
  fi
}

# Sets E_SLOT, E_KEYWORDS, E_IUSE, E_EAPI, E_FILE, E_DEPS (DEPEND, RDEPEND and BDEPEND on one line),
# E_SRC_URI and E_REQUIRED_USE for cat/pn version.
ebuild_meta() {
  E_FILE=$REPO/$1/${1#*/}-$2.ebuild
  if [ ! -f "$E_FILE" ]; then
    E_FILE=""; E_SLOT=0; E_KEYWORDS=$ARCH; E_IUSE=""; E_EAPI=8; E_DEPS=""; E_SRC_URI=""; E_REQUIRED_USE=""; return
  fi
  local meta
  meta=$(CATEGORY=${1%%/*} PN=${1#*/} PV=$2 PF=${1#*/}-$2 P=${1#*/}-${2%-r[0-9]*} bash -c \
    'source "$1" >/dev/null 2>&1; printf "%s\n" "${SLOT:-0}" "${KEYWORDS:-}" "${IUSE:-}" "${EAPI:-0}" \
       "$(echo ${DEPEND:-} ${RDEPEND:-} ${BDEPEND:-})" "$(echo ${SRC_URI:-})" "$(echo ${REQUIRED_USE:-})"' _ "$E_FILE")
  { read -r E_SLOT; read -r E_KEYWORDS; read -r E_IUSE; read -r E_EAPI; read -r E_DEPS; read -r E_SRC_URI; read -r E_REQUIRED_USE; } <<< "$meta"
}

# Whether package.mask (the repository's profiles/package.mask, then /etc/portage/package.mask)
# masks it and /etc/portage/package.unmask does not lift it (MaskManager.py, _getMaskAtom).
is_package_masked() { # cp version slot
  local file atom masked=1
  while IFS=$'\t' read -r file atom; do
    atom_matches "$atom" "$1" "$2" "$3" && { masked=0; break; }
  done < <(config_lines "$REPO/profiles/package.mask"; config_lines /etc/portage/package.mask)
  [ $masked = 0 ] || return 1
  [ "${RAW:-0}" = 1 ] && return 0
  while IFS=$'\t' read -r file atom; do
    atom_matches "$atom" "$1" "$2" "$3" && return 1
  done < <(config_lines /etc/portage/package.unmask)
  return 0
}

# Keywords accepted for the package: ACCEPT_KEYWORDS plus every matching package.accept_keywords
# line, a line without keywords meaning "~ARCH" (KeywordsManager.py, getPKeywords), stacked
# incrementally ("-*" clears, "-kw" removes: _getEgroups).
accepted_keywords() { # cp version slot
  local file line atom kws groups=$ACCEPT_KEYWORDS x out=""
  while IFS=$'\t' read -r file line; do
    atom=${line%% *}; kws=${line#"$atom"}
    atom_matches "$atom" "$1" "$2" "$3" || continue
    [ -n "${kws// /}" ] || kws="~$ARCH"
    groups="$groups $kws"
  done < <([ "${RAW:-0}" = 1 ] || config_lines /etc/portage/package.accept_keywords)
  for x in $groups; do
    case $x in
      -\*) out="" ;;
      -*) out=$(printf '%s\n' $out | grep -vxF -- "${x#-}" | tr '\n' ' ') ;;
      *) out="$out $x" ;;
    esac
  done
  echo $out
}

# The keyword mask as getmaskingstatus.py (_getmaskingstatus) names it: empty when visible,
# else "~amd64", "-amd64" or "missing" (as in "(masked by: ~amd64 keyword)").
keyword_mask() { # cp version slot keywords
  local pgroups gp x
  pgroups=" $(accepted_keywords "$1" "$2" "$3") "
  case $pgroups in *' ** '*) return 0 ;; esac
  for gp in $4; do case $pgroups in *" $gp "*) return 0 ;; esac; done
  # KeywordsManager._getMissingKeywords: "~*" and "*" accept any testing or stable keyword.
  for gp in $4; do
    case $gp in
      '*') return 0 ;;
      '~*') case $pgroups in *' ~'*) return 0 ;; esac ;;
      '~'*) case $pgroups in *' ~* '*) return 0 ;; esac ;;
      -*) ;;
      *) case $pgroups in *' * '*) return 0 ;; esac ;;
    esac
  done
  for gp in $4; do
    [ "$gp" = "-$ARCH" ] && { echo "-$ARCH"; return; }
    [ "$gp" = "~$ARCH" ] && { echo "~$ARCH"; return; }
  done
  echo missing
}

# The mask column of a --pretend line (output.py, gen_mask_str; Package.py, isHardMasked and
# get_keyword_mask): "#" when package.mask names it even if unmasked, "~" when it needs a testing
# keyword accepted, "*" for other keyword masks, else " ". RAW=1 ignores /etc/portage's lifts.
mask_column() { # cp version slot keywords
  local kmask
  RAW=1 is_package_masked "$1" "$2" "$3" && { echo "#"; return; }
  kmask=$(RAW=1 keyword_mask "$1" "$2" "$3" "$4")
  case $kmask in '') echo " " ;; "~$ARCH") echo "~" ;; *) echo "*" ;; esac
}

# "package.mask, ~amd64 keyword", or nothing for a visible package.
mask_reasons() { # cp version → uses ebuild_meta
  ebuild_meta "$1" "$2"
  local reasons=() kmask
  is_package_masked "$1" "$2" "$E_SLOT" && reasons+=("package.mask")
  kmask=$(keyword_mask "$1" "$2" "$E_SLOT" "$E_KEYWORDS")
  [ -n "$kmask" ] && reasons+=("$kmask keyword")
  local IFS=,; local joined="${reasons[*]}"; printf '%s' "${joined//,/, }"
}

# The comment above the mask line that matches, with its file, as getmaskingreason.py finds it:
# "#" lines, valid for the atom lines after them until a blank line.
mask_comment() { # cp version slot
  local f
  for f in $(config_files /etc/portage/package.mask) $(config_files "$REPO/profiles/package.mask"); do
    local comment="" line atom
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in
        '') comment="" ;;
        '#'*) comment="$comment$line"$'\n' ;;
        *) atom=${line%% *}; if atom_matches "$atom" "$1" "$2" "$3"; then
             [ -n "$comment" ] && printf '%s:\n%s' "$f" "$comment"; return; fi ;;
      esac
    done < "$f"
  done
}
