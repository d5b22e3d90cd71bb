# emerge test double: dependencies, REQUIRED_USE and blockers (sourced by emerge-double.sh).
# DEPEND, RDEPEND and BDEPEND are read as plain atoms: "cat/pkg", ">=cat/pkg-1", "cat/pkg[flag]" (a USE
# dependency on enabled flags) and "!cat/pkg" or "!!cat/pkg" (blockers); no USE conditionals or ||
# groups. Unlike a command-line atom, a dependency is satisfied only by an ebuild in the repository.
# Each failure prints what lib/_emerge/depgraph.py prints for it and exits 1.

# The dependency chain of the package being resolved, innermost first, as _show_unsatisfied_dep
# shows it: '"cat/pkg-1.0::gentoo" [ebuild]' or '"ATOM" [argument]'.
DEP_CHAIN=()
# _display_autounmask's "# required by" comments for the same chain (_get_dep_chain_as_comment).
chain_comments() {
  local node
  for node in "${DEP_CHAIN[@]}"; do
    case $node in *' [argument]') node=${node% \[argument\]}; printf '# required by %s (argument)\n' "${node//\"/}" ;;
      *) node=${node% \[*}; printf '# required by %s\n' "${node//\"/}" ;; esac
  done
}

# depgraph.py, _show_unsatisfied_dep: no ebuild matches a dependency.
report_unsatisfied() { # atom
  {
    printf '\nemerge: there are no ebuilds to satisfy "%s".\n' "$1"
    local node; for node in "${DEP_CHAIN[@]}"; do printf '(dependency required by %s)\n' "$node"; done
  } >&2
  exit 1
}

# depgraph.py, _display_autounmask: a USE dependency needs flags the package does not have.
# check_if_latest makes the line ">=cpv" for the newest visible version.
report_use_changes() { # cpv flags…
  local cpv=$1; shift
  {
    printf '\nThe following USE changes are necessary to proceed:\n'
    printf ' (see "package.use" in the portage(5) man page for more details)\n'
    chain_comments
    printf '>=%s %s\n' "$cpv" "$*"
    printf '\nUse --autounmask-write to write changes to config files (honoring\n'
    printf 'CONFIG_PROTECT). Carefully examine the list of proposed changes,\n'
    printf 'paying special attention to mask or keyword changes that may expose\n'
    printf 'experimental or unstable packages.\n'
  } >&2
  exit 1
}

# Prints "cp version slot" for every dependency of cp version, deepest first; DEP_CHAIN names cp's
# own requester already.
resolve_deps() { # cp version
  local dep atom cp version slot flag missing=() entry
  ebuild_meta "$1" "$2"
  DEP_CHAIN=("\"$1-$2::$REPO_NAME\" [ebuild]" "${DEP_CHAIN[@]}")
  for dep in $E_DEPS; do
    case $dep in '!'*) continue ;; esac
    parse_atom "$dep"; cp=$A_CP
    [ -d "$REPO/$cp" ] || report_unsatisfied "$dep"
    atom=${dep%%\[*}
    entry=$(resolve_atom "$atom") || exit 1
    read -r cp version slot <<< "${entry##*$'\n'}"
    printf '%s\n' "$entry"
    case $dep in *'['*']')
      ebuild_meta "$cp" "$version"; compute_use "$cp" "$version" "$slot" "$E_IUSE"; missing=()
      for flag in $(printf '%s' "${dep#*\[}" | tr -d ']' | tr ',' ' '); do
        [[ " $flags " == *" $flag "* ]] || missing+=("$flag")
      done
      [ ${#missing[@]} = 0 ] || report_use_changes "$cp-$version" "${missing[@]}" ;;
    esac
  done
}

# REQUIRED_USE of the forms "flag", "!flag", "^^ ( a b )", "|| ( a b )" and "?? ( a b )" against the
# package's USE; otherwise depgraph.py's "has unmet requirements" (show_req_use) with the constraint
# as human_readable_required_use (lib/portage/dep/__init__.py) words it.
check_required_use() { # atom cp version slot
  ebuild_meta "$2" "$3"
  [ -n "$E_REQUIRED_USE" ] || return 0
  compute_use "$2" "$3" "$4" "$E_IUSE"
  local token op="" on=0 count=0 ok=1 group=""
  for token in $E_REQUIRED_USE; do
    case $token in
      '^^'|'||'|'??') op=$token; count=0; group="" ;;
      '(') ;;
      ')') case $op in '^^') [ $count = 1 ] ;; '||') [ $count -ge 1 ] ;; '??') [ $count -le 1 ] ;; esac || ok=0; op="" ;;
      *) on=0; [[ " $flags " == *" ${token#!} "* ]] && on=1
         if [ -n "$op" ]; then count=$((count + on)); group="$group $token"
         elif [ "${token#!}" != "$token" ]; then [ $on = 0 ] || ok=0; else [ $on = 1 ] || ok=0; fi ;;
    esac
  done
  [ $ok = 1 ] && return 0
  local use="" flag
  for flag in $(printf '%s\n' $iuse); do [[ " $flags " == *" $flag "* ]] && use="$use $flag" || use="$use -$flag"; done
  {
    printf '\n!!! The ebuild selected to satisfy "%s" has unmet requirements.\n' "$1"
    printf -- '- %s-%s::%s USE="%s"\n' "$2" "$3" "$REPO_NAME" "${use# }"
    printf '\n  The following REQUIRED_USE flag constraints are unsatisfied:\n'
    local readable=${E_REQUIRED_USE//^^/exactly-one-of}; readable=${readable//||/any-of}; readable=${readable//\?\?/at-most-one-of}
    printf '    %s\n\n' "$readable"
  } >&2
  exit 1
}

# resolver/output.py (_blockers) and depgraph.py (_show_unsatisfied_blockers): a package in the merge
# list that a blocker of another one matches: the merge list with a "[blocks B ]" line, then the error
# (wrapped at 70 columns as Portage wraps it). Blockers against installed packages and the "pulled in
# by" list after the error are not modelled.
check_blockers() { # "cp version slot"…
  local entry other cp version slot dep atom desc ocp over oslot
  for entry in "$@"; do
    read -r cp version slot <<< "$entry"
    ebuild_meta "$cp" "$version"
    for dep in $E_DEPS; do
      case $dep in '!!'*) atom=${dep#!!}; desc="hard blocking" ;; '!'*) atom=${dep#!}; desc="soft blocking" ;; *) continue ;; esac
      for other in "$@"; do
        read -r ocp over oslot <<< "$other"
        atom_matches "$atom" "$ocp" "$over" "$oslot" && report_blocker "$atom" "$desc" "$cp-$version" "$@"
      done
    done
  done
}

report_blocker() { # atom description blocking-cpv "cp version slot"…
  local atom=$1 desc=$2 blocking=$3
  shift 3
  plan_merges 0 0 0 "$@"
  print_pretend
  printf '[blocks B      ] %s ("%s" is %s %s)\n' "$atom" "$atom" "$desc" "$blocking"
  printf '\n * Error: The above package list contains packages which cannot be\n * installed at the same time on the same system.\n\n' >&2
  exit 1
}

# resolver/slot_collision.py (_prepare_conflict_msg_and_check_for_specificity): two versions of one
# package in one slot in the merge list. The "pulled in by" parents are not modelled.
check_slot_conflicts() { # "cp version slot"…
  local entry other cp version slot ocp over oslot
  for entry in "$@"; do
    read -r cp version slot <<< "$entry"
    for other in "$@"; do
      read -r ocp over oslot <<< "$other"
      [ "$ocp:$oslot" = "$cp:$slot" ] && [ "$over" != "$version" ] || continue
      {
        printf '\n!!! Multiple package instances within a single package slot have been pulled\n'
        printf '!!! into the dependency graph, resulting in a slot conflict:\n\n%s:%s\n\n' "$cp" "$slot"
        printf '  (%s-%s:%s/%s::%s, ebuild scheduled for merge) pulled in by\n\n' "$cp" "$version" "$slot" "$slot" "$REPO_NAME"
        printf '  (%s-%s:%s/%s::%s, ebuild scheduled for merge) pulled in by\n\n' "$cp" "$over" "$slot" "$slot" "$REPO_NAME"
      } >&2
      exit 1
    done
  done
}
