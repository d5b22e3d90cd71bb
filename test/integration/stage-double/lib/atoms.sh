# emerge test double: atoms and versions (sourced by emerge-double.sh; bash-static + busybox).
# Grammar from portage(5) and lib/portage/dep/__init__.py (Atom, match_from_list, best_match_to_list).

VERSION_RE='^(.+)-([0-9]+(\.[0-9]+)*[a-z]?((_alpha|_beta|_pre|_rc|_p)[0-9]*)*(-r[0-9]+)?)$'

# Splits an atom into A_OP (= ~ >= <= > < or empty), A_CP, A_VER, A_GLOB (1 for "=cat/pkg-1.2*"),
# A_SLOT and A_REPO.
parse_atom() {
  local a=$1
  A_OP=""; A_VER=""; A_GLOB=0; A_SLOT=""; A_REPO=""
  case $a in '>='*|'<='*) A_OP=${a:0:2}; a=${a:2} ;; '='*|'~'*|'>'*|'<'*) A_OP=${a:0:1}; a=${a:1} ;; esac
  case $a in *::*) A_REPO=${a##*::}; a=${a%%::*} ;; esac
  a=${a%%\[*}
  case $a in *:*) A_SLOT=${a#*:}; A_SLOT=${A_SLOT%%/*}; a=${a%%:*} ;; esac
  if [ -n "$A_OP" ]; then
    case $a in *[0-9]\*) A_GLOB=1; a=${a%\*} ;; esac
    if [[ $a =~ $VERSION_RE ]]; then a=${BASH_REMATCH[1]}; A_VER=${BASH_REMATCH[2]}; fi
  fi
  A_CP=$a
}

# Prints -1, 0 or 1. busybox `sort -V` stands in for Portage's vercmp (lib/portage/versions.py):
# they agree on the catalogue's versions (digits, a letter, -rN), not on _alpha/_pre suffixes.
vercmp() {
  [ "$1" = "$2" ] && { echo 0; return; }
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ] && echo -1 || echo 1
}

# Whether atom $1 matches package $2 (cat/pn) version $3 in slot $4 (match_from_list).
atom_matches() {
  parse_atom "$1"
  local cat=${A_CP%%/*} pn=${A_CP#*/} c
  [ "$cat" = "*" ] || [ "$cat" = "${2%%/*}" ] || return 1
  [ "$pn" = "*" ] || [ "$pn" = "${2#*/}" ] || return 1
  [ -z "$A_SLOT" ] || [ "$A_SLOT" = "$4" ] || return 1
  [ -z "$A_REPO" ] || [ "$A_REPO" = "$REPO_NAME" ] || return 1
  [ -n "$A_OP" ] || return 0
  if [ "$A_GLOB" = 1 ]; then [[ $3 == "$A_VER"* ]]; return; fi
  c=$(vercmp "$3" "$A_VER")
  case $A_OP in
    =) [ "$c" = 0 ] ;;
    '~') [ "${3%-r[0-9]*}" = "${A_VER%-r[0-9]*}" ] ;;
    '>=') [ "$c" != -1 ] ;;
    '<=') [ "$c" != 1 ] ;;
    '>') [ "$c" = 1 ] ;;
    '<') [ "$c" = -1 ] ;;
  esac
}

# An atom's specificity as best_match_to_list (lib/portage/dep/__init__.py) ranks it: =cpv 6,
# ~cpv 5, =cpv* 4, cp:slot 3, >/</>=/<= 2, cp 1; wildcard ("extended syntax") atoms below all.
atom_rank() {
  parse_atom "$1"
  case $A_CP in
    *'*'*) if [ "$A_GLOB" = 1 ]; then echo 0; elif [ -n "$A_SLOT" ]; then echo -1; else echo -2; fi; return ;;
  esac
  local rank=1
  case $A_OP in '=') rank=6; [ "$A_GLOB" = 1 ] && rank=4 ;; '~') rank=5 ;; ?*) rank=2 ;; esac
  [ -n "$A_SLOT" ] && [ "$rank" -lt 3 ] && rank=3
  echo "$rank"
}

# Files of a /etc/portage/package.* entry: the file itself, or a directory read recursively in
# lexical order, skipping names that start with "." or end in "~" (portage(5)).
config_files() {
  local p=$1
  if [ -f "$p" ]; then echo "$p"; elif [ -d "$p" ]; then
    find "$p" -type f | LC_ALL=C sort | while IFS= read -r f; do
      case ${f##*/} in .*|*~) ;; *) echo "$f" ;; esac; done
  fi
}

# Lines of those files without comments and blank lines, as "FILE<TAB>LINE".
config_lines() {
  local f line
  for f in $(config_files "$1"); do
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%%#*}; line=$(printf '%s' "$line" | tr -s ' \t' '  '); line=${line# }; line=${line% }
      [ -n "$line" ] && printf '%s\t%s\n' "$f" "$line"
    done < "$f"
  done
}
