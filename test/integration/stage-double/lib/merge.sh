# emerge test double: the merge list, --pretend lines, building and merging (sourced by
# emerge-double.sh).

# Installed version of cat/pn in a slot ($2), or in any slot when $2 is empty.
installed_version() {
  local cat=${1%%/*} pn=${1#*/} d v
  for d in $(ls "$STATE/vdb/$cat" 2>/dev/null); do
    case $d in "$pn"-[0-9]*) v=${d#"$pn"-}
      if [ -z "$2" ] || [ "$(cat "$STATE/vdb/$cat/$d/SLOT")" = "$2" ]; then echo "$v"; return; fi ;; esac
  done
}

vdb_file() { cat "$STATE/vdb/$1/$2" 2>/dev/null || true; } # cpv KEY

# Fills the M_* arrays with what to merge, in order; cp:slot pairs once. --update skips a package
# whose version is installed in its slot; --newuse reinstalls it when its USE changed.
plan_merges() { # usepkg update newuse "cp version slot"…
  local usepkg=$1 update=$2 newuse=$3 entry cp version slot prev binpkg seen=" "
  shift 3
  M_CP=(); M_VER=(); M_SLOT=(); M_USE=(); M_IUSE=(); M_KW=(); M_FILE=(); M_EAPI=(); M_BIN=(); M_PREV=(); M_RAW_IUSE=(); IGNORED=()
  for entry in "$@"; do
    read -r cp version slot <<< "$entry"
    case $seen in *" $cp:$slot "*) continue ;; esac
    seen="$seen$cp:$slot "
    ebuild_meta "$cp" "$version"
    compute_use "$cp" "$version" "$slot" "$E_IUSE"
    prev=$(installed_version "$cp" "$slot")
    # --emptytree: every package of the graph is merged again, installed or not (depgraph.py, "empty" param).
    if [ "$update" = 1 ] && [ "${EMPTYTREE:-0}" = 0 ] && [ "$prev" = "$version" ]; then
      [ "$newuse" = 0 ] || [ "$(vdb_file "$cp-$version" USE)" = "$flags" ] && continue
    fi
    binpkg=""
    [ "$usepkg" = 1 ] && binpkg=$(find_binpkg "$cp-$version" "$flags")
    [ "$usepkg" = 1 ] && [ -z "$binpkg" ] && passed_over_binpkg "$cp-$version" "$iuse" "$flags"
    M_CP+=("$cp"); M_VER+=("$version"); M_SLOT+=("$slot"); M_USE+=("$flags"); M_IUSE+=("$iuse")
    M_KW+=("$E_KEYWORDS"); M_FILE+=("$E_FILE"); M_EAPI+=("$E_EAPI"); M_BIN+=("$binpkg"); M_PREV+=("$prev")
    # The index and metadata keep IUSE as the ebuild spells it ("+ssl doc").
    if [ -n "$E_FILE" ]; then M_RAW_IUSE+=("$(echo $E_IUSE)"); else M_RAW_IUSE+=("$iuse"); fi
  done
}

# No binpkg of this CPV with the wanted USE. One of other USE is passed over and listed in the ignored
# binaries (depgraph.py, _reinstall_for_flags: the IUSE flags whose state differs; the list shows them as
# the binpkg has them, "-flag" for off, sorted: _show_ignored_binaries_respect_use). With --usepkgonly
# nothing else can satisfy the package: _show_unsatisfied_dep's "there are no binary packages to
# satisfy", exit 1 (the double names the package's cp, Portage the atom that pulled it in).
passed_over_binpkg() { # cpv iuse wanted-use
  local other flag differ=()
  other=$(binpkg_any_use "$1")
  if [ -n "$other" ]; then
    other=" ${other#found} "
    for flag in $(printf '%s\n' $2 | LC_ALL=C sort); do
      if [[ " $3 " == *" $flag "* ]]; then [[ $other == *" $flag "* ]] || differ+=("-$flag")
      elif [[ $other == *" $flag "* ]]; then differ+=("$flag"); fi
    done
    [ ${#differ[@]} -gt 0 ] && IGNORED+=("=$1 ${differ[*]}")
  fi
  if [ "${USEPKGONLY:-0}" = 1 ]; then
    printf '\nemerge: there are no binary packages to satisfy "%s".\n' "$(split_cpv_cp "$1")" >&2
    exit 1
  fi
}

# depgraph.py, _show_ignored_binaries_respect_use (on stderr, after the merge list).
print_ignored_binaries() {
  [ ${#IGNORED[@]} -gt 0 ] || return 0
  {
    printf '\n!!! The following binary packages have been ignored due to non matching USE:\n\n'
    printf '    %s\n' "${IGNORED[@]}"
    printf '\nNOTE: The --binpkg-respect-use=n option will prevent emerge\n'
    printf '      from ignoring these binary packages if possible.\n'
    printf '      Using --binpkg-respect-use=y will silence this warning.\n'
  } >&2
}

# USE="…" of a --pretend line, as output_helpers.py's _create_use_string shows it without
# --verbose: a new package lists every flag; a reinstall or upgrade only the changed ones
# ("flag*" newly on, "-flag*" newly off, "%" for a flag new to IUSE).
use_string() { # iuse use old-iuse old-use is-new
  local flag on=() off=()
  for flag in $(printf '%s\n' $1 $3 | LC_ALL=C sort -u); do
    if [[ " $2 " == *" $flag "* ]]; then
      if [ "$5" = 1 ]; then on+=("$flag"); elif [[ " $3 " != *" $flag "* ]]; then on+=("$flag%*")
      elif [[ " $4 " != *" $flag "* ]]; then on+=("$flag*"); fi
    elif [[ " $1 " != *" $flag "* ]]; then continue
    elif [ "$5" = 1 ]; then off+=("-$flag")
    elif [[ " $3 " != *" $flag "* ]]; then off+=("-$flag%")
    elif [[ " $4 " == *" $flag "* ]]; then off+=("-$flag*"); fi
  done
  local all="${on[*]:-} ${off[*]:-}"; all=$(echo $all)
  [ -n "$all" ] && printf 'USE="%s" ' "$all"
}

# output.py (_set_no_columns, _get_installed_best, print_messages) and output_helpers.py
# (PkgAttrDisplay): "[ebuild  N     ] cat/pkg-1.0  USE="a -b" ", "[binary   R    ] cat/pkg-1.0-2 ",
# "[ebuild     U  ] cat/pkg-1.1 [1.0] ". The repository is shown only with --verbose.
pretend_line() { # index
  local i=$1 cp=${M_CP[$1]} version=${M_VER[$1]} prev=${M_PREV[$1]} type=ebuild str n=" " s=" " u=" " d=" " old="" use
  str=$cp-$version
  if [ -n "${M_BIN[$i]}" ]; then type=binary; str="$str-${M_BIN[$i]%% *}"; fi
  if [ -z "$prev" ]; then
    n=N; [ -n "$(installed_version "$cp" "")" ] && { s=S; old="[$(installed_version "$cp" "")]"; }
  elif [ "$prev" = "$version" ]; then s=R
  else u=U; old="[$prev]"; [ "$(vercmp "$version" "$prev")" = -1 ] && d=D
  fi
  if [ -z "$prev" ]; then use=$(use_string "${M_IUSE[$i]}" "${M_USE[$i]}" "" "" 1)
  else use=$(use_string "${M_IUSE[$i]}" "${M_USE[$i]}" "$(vdb_file "$cp-$prev" IUSE)" "$(vdb_file "$cp-$prev" USE)" 0); fi
  printf '[%s  %s%s %s%s%s] %s %s' "$type" "$n" "$s" "$u" "$d" "$(mask_column "$cp" "$version" "${M_SLOT[$i]}" "${M_KW[$i]}")" "$str" "$old"
  [ -n "$use" ] && printf ' %s' "$use"
  printf '\n'
}

# depgraph.py _start_resolution_display and _show_resolution_report (the spinner's static mode,
# stdout_spinner.py), then one line per package.
print_pretend() {
  printf '\nThese are the packages that would be merged, in order:\n\nCalculating dependencies ... done!\n'
  printf 'Dependency resolution took 0.00 s.\n\n'
  local i
  for ((i = 0; i < ${#M_CP[@]}; i++)); do pretend_line "$i"; done
  print_ignored_binaries
}

# The build log: CATEGORY:PF:YYYYMMDD-HHMMSS.log in PORTAGE_LOGDIR when it is writable
# (lib/portage/package/ebuild/prepare_build_dirs.py, _prepare_workdir), else none here.
build_log_path() { # cp version
  local logdir=${PORTAGE_LOGDIR:-$(make_conf_var PORTAGE_LOGDIR)}
  [ -n "$logdir" ] && [ -w "$logdir" ] || return 0
  printf '%s/%s:%s-%s:%s.log' "${logdir%/}" "${1%%/*}" "${1#*/}" "$2" "$(date -u +%Y%m%d-%H%M%S)"
}

# Fetches SRC_URI, then runs src_compile and src_install of the ebuild in a subshell, its output also
# in the build log; die() prints what bin/isolated-functions.sh prints ("ERROR: cat/pf::repo failed
# (compile phase):", "The complete build log is located at '…'.").
build_ebuild() { # cp version file image
  [ -n "$3" ] || return 0
  local log status
  log=$(build_log_path "$1" "$2")
  [ -n "$log" ] && : > "$log"
  ebuild_meta "$1" "$2"
  run_phases "$@" "$log" > >(tee -a "${log:-/dev/null}") 2> >(tee -a "${log:-/dev/null}" >&2)
  status=$?
  # Let both tees finish writing before emerge's next line (bash waits for process substitutions).
  wait
  return $status
}

run_phases() { # cp version file image log
  local work; work=$(mktemp -d)
  fetch_sources "$1-$2" "$5" $E_SRC_URI || { rm -rf "$work"; return 1; }
  ( cd "$work" || exit 1
    export CATEGORY=${1%%/*} PN=${1#*/} PV=$2 PF=${1#*/}-$2 P=${1#*/}-${2%-r[0-9]*} D=$4 T=$work WORKDIR=$work S=$work
    export PORTAGE_LOG_FILE=$5
    # make.conf's variables are in the ebuild's environment; emerge's own environment wins.
    export MAKEOPTS=${MAKEOPTS-$(make_conf_var MAKEOPTS)} MAKEFLAGS=${MAKEFLAGS-$(make_conf_var MAKEFLAGS)}
    die() {
      local phase_str=""; [ -n "${EBUILD_PHASE:-}" ] && phase_str=" (${EBUILD_PHASE} phase)"
      printf ' * ERROR: %s/%s::%s failed%s:\n *   %s\n * \n' "$CATEGORY" "$PF" "$REPO_NAME" "$phase_str" "${*:-(no error message)}" >&2
      [ -n "$PORTAGE_LOG_FILE" ] && printf " * The complete build log is located at '%s'.\n" "$PORTAGE_LOG_FILE" >&2
      exit 1
    }
    source "$3"
    for phase in src_compile src_install; do
      declare -F "$phase" >/dev/null || continue
      EBUILD_PHASE=${phase#src_}
      "$phase" || die "$phase returned $?"
    done )
  local status=$?
  rm -rf "$work"
  return $status
}

record_installed() { # index
  local cp=${M_CP[$1]} version=${M_VER[$1]} prev=${M_PREV[$1]} dir
  [ -n "$prev" ] && rm -rf "$STATE/vdb/$cp-$prev"
  dir=$STATE/vdb/$cp-$version; mkdir -p "$dir"
  printf '%s\n' "${M_SLOT[$1]}" > "$dir/SLOT"; printf '%s\n' "${M_USE[$1]}" > "$dir/USE"; printf '%s\n' "${M_IUSE[$1]}" > "$dir/IUSE"
  echo "$cp-$version" >> "$STATE/installed"
}

# A binpkg of what was built, when FEATURES has buildpkg (or --buildpkg).
package_build() { # index image
  local i=$1 cpv=${M_CP[$1]}-${M_VER[$1]} id meta rel
  id=$(allocate_build_id "$cpv") || return 1
  rel=${M_CP[$i]}/${cpv#*/}-$id.gpkg.tar
  meta=$(mktemp -d)/metadata; mkdir -p "$meta"
  printf '%s\n' "${M_CP[$i]%%/*}" > "$meta/CATEGORY"; printf '%s\n' "${cpv#*/}" > "$meta/PF"
  printf '%s\n' "${M_SLOT[$i]}" > "$meta/SLOT"; printf '%s\n' "${M_EAPI[$i]}" > "$meta/EAPI"
  printf '%s\n' "${M_RAW_IUSE[$i]}" > "$meta/IUSE"; printf '%s\n' "${M_USE[$i]}" > "$meta/USE"
  printf '%s\n' "${M_KW[$i]}" > "$meta/KEYWORDS"; printf '%s\n' "$id" > "$meta/BUILD_ID"; printf '%s\n' "$REPO_NAME" > "$meta/repository"
  write_gpkg "$PKGDIR/$rel" "${cpv#*/}-$id" "$meta" "$2"
  rm -rf "${meta%/metadata}"
  add_to_packages "$(packages_block "$id" "$rel" "$cpv" "${M_SLOT[$i]}" "${M_EAPI[$i]}" "${M_RAW_IUSE[$i]}" "${M_KW[$i]}" "${M_USE[$i]}")"
}

# MergeListItem.py and PackageMerge.py: ">>> Emerging (1 of 2) cat/pkg-1.0::repo", "Emerging
# binary" for a binpkg, ">>> Completed (1 of 2) …". A build failure stops the run (exit 1).
run_merges() { # buildpkg
  local i n=${#M_CP[@]} cpv image binary
  for ((i = 0; i < n; i++)); do
    cpv=${M_CP[$i]}-${M_VER[$i]}; binary=""
    [ -n "${M_BIN[$i]}" ] && binary=" binary"
    # A job token for the build or the binary's extraction (lib/make.sh); given back before the merge.
    jobserver_acquire
    echo ">>> Emerging$binary ($((i + 1)) of $n) $cpv::$REPO_NAME"
    if [ -z "$binary" ]; then
      image=$(mktemp -d)/image; mkdir -p "$image"
      build_ebuild "${M_CP[$i]}" "${M_VER[$i]}" "${M_FILE[$i]}" "$image" || exit 1
      if [ "$1" = 1 ]; then package_build "$i" "$image" || exit 1; fi
      rm -rf "${image%/image}"
    fi
    jobserver_release "$TOKEN"
    record_installed "$i"
    echo ">>> Completed ($((i + 1)) of $n) $cpv::$REPO_NAME"
  done
}
