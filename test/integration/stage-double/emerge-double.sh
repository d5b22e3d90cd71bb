#!/bin/bash
# TEST DOUBLE for emerge(1). It is copied to /usr/bin/emerge (and lib/ to /usr/lib/emerge-double)
# in the integration tests' minimal stage and never ships. It is a small model of what binpkgbot
# relies on, each part citing the Portage source it follows:
#   lib/repo.sh    the ebuild repository, package.mask/unmask, KEYWORDS and accept_keywords,
#                  Portage's "have been masked" messages;
#   lib/use.sh     USE in USE_ORDER, package.use by atom specificity;
#   lib/pkgdir.sh  GPKG files, BUILD_ID allocation, the Packages index, binpkgs for --usepkg; safe
#                  with concurrent emerges into one PKGDIR, as Portage (needs /usr/bin/lockf-run);
#   lib/atoms.sh   atoms, versions, /etc/portage file reading;
#   lib/merge.sh   --pretend lines, building an ebuild's phases, merging, installed packages;
#   lib/deps.sh    plain dependencies, USE dependencies, REQUIRED_USE, slot conflicts and blockers in
#                  the merge list;
#   lib/fetch.sh   SRC_URI downloads into DISTDIR;
#   lib/make.sh    FEATURES=jobserver-token (a token per build job from a --jobserver-auth=fifo: FIFO),
#                  and emake as a GNU make jobserver client.
# Not modelled: || groups and USE conditionals in dependencies, the world file (it reads
# /var/lib/portage/world, never writes it), files merged into / (it records installed packages only),
# implicit USE flags (amd64, elibc_*) in USE, --verbose output, and the ignored-binaries list outside
# --pretend.
# A package named on the command line with no ebuild in the repository is taken as version 1.0, so
# that tests may name any package; a dependency needs an ebuild.
#
# Record: $EMERGE_DOUBLE_RECORD/<n>/{argv,env,portage,repo} (default /var/log/emerge-double), one
#   numbered directory per invocation: argv one per line, `env | sort`, every file under
#   /etc/portage as "==> path <==" followed by its contents, and whether a write to the repository
#   succeeded ("writable" or "read-only").
# Installed packages: /var/lib/emerge-double/installed (one CPV a line, in merge order) and
#   /var/lib/emerge-double/vdb/<cat>/<pf>/{SLOT,USE,IUSE} (as vartree.py's /var/db/pkg).
# EMERGE_DOUBLE_SLEEP=N sleeps N seconds first.
set -u
# No pathname expansion: atoms such as */* must stay words.
set -f

LIB=${EMERGE_DOUBLE_LIB:-/usr/lib/emerge-double}
PKGDIR=${PKGDIR:-/var/cache/binpkgs}
TAB=$'\t'
STATE=/var/lib/emerge-double

# A variable of /etc/portage/make.conf, read by bash in a clean environment (no USE from ours). A
# directory is read as its files in name order, summed as one file (make.conf(5)).
make_conf_var() {
  local conf=/etc/portage/make.conf files
  if [ -d "$conf" ]; then files=$(find "$conf" -type f ! -name '.*' ! -name '*~' | LC_ALL=C sort)
  elif [ -f "$conf" ]; then files=$conf
  else return 0; fi
  env -i bash -c 'name=$1; shift; for f; do source "$f" >/dev/null 2>&1; done; printf "%s" "${!name:-}"' _ "$1" $files
}

source "$LIB/atoms.sh"
source "$LIB/repo.sh"
source "$LIB/use.sh"
source "$LIB/pkgdir.sh"
source "$LIB/merge.sh"
source "$LIB/deps.sh"
source "$LIB/fetch.sh"
source "$LIB/make.sh"

record_invocation() {
  local root=${EMERGE_DOUBLE_RECORD:-/var/log/emerge-double} n=1
  mkdir -p "$root"
  # mkdir is atomic, so concurrent invocations get distinct numbers.
  while ! mkdir "$root/$n" 2>/dev/null; do n=$((n + 1)); done
  printf '%s\n' "$@" > "$root/$n/argv"
  env | LC_ALL=C sort > "$root/$n/env"
  : > "$root/$n/portage"
  # Whether this emerge could write the repository: a real write, undone at once.
  if touch /var/db/repos/gentoo/.emerge-double-probe 2>/dev/null; then
    rm -f /var/db/repos/gentoo/.emerge-double-probe; echo writable; else echo read-only; fi > "$root/$n/repo"
  if [ -d /etc/portage ]; then
    (cd /etc/portage && find . -type f | LC_ALL=C sort | while IFS= read -r f; do
      printf '==> %s <==\n' "${f#./}"; cat "$f"; done) > "$root/$n/portage"
  fi
}

# @world is /var/lib/portage/world; @NAME a file /etc/portage/sets/NAME; @system is empty here.
set_members() {
  local file
  case $1 in @world) file=/var/lib/portage/world ;; @system) return 0 ;; *) file=/etc/portage/sets/${1#@} ;; esac
  [ -f "$file" ] && grep -v '^#' "$file" | grep . || true
}

# The highest visible version matching the atom, as "cp version slot"; otherwise Portage's message
# (depgraph.py, _show_unsatisfied_dep) and exit 1.
resolve_atom() {
  parse_atom "$1"
  local cp=$A_CP version candidates=() reasons
  for version in $(repo_versions "$cp"); do
    ebuild_meta "$cp" "$version"
    atom_matches "$1" "$cp" "$version" "$E_SLOT" && candidates+=("$version")
  done
  if [ ${#candidates[@]} = 0 ]; then
    printf '\nemerge: there are no ebuilds to satisfy "%s".\n' "$1" >&2; exit 1
  fi
  for version in "${candidates[@]}"; do
    reasons=$(mask_reasons "$cp" "$version")
    ebuild_meta "$cp" "$version"
    [ -z "$reasons" ] && { resolve_package "$1" "$cp" "$version" "$E_SLOT"; return; }
  done
  report_masked "$1" "$cp" "${candidates[@]}"
}

# The dependencies of a visible package (lib/deps.sh), then the package itself.
resolve_package() { # atom cp version slot
  resolve_deps "$2" "$3"
  check_required_use "$1" "$2" "$3" "$4"
  echo "$2 $3 $4"
}

# depgraph.py: _show_unsatisfied_dep, show_masked_packages (with getmaskingreason.py's comment
# and file for package.mask) and show_mask_docs.
report_masked() { # atom cp versions…
  local atom=$1 cp=$2 version comment shown=""
  shift 2
  {
    printf '\n!!! All ebuilds that could satisfy "%s" have been masked.\n' "$atom"
    printf '!!! One of the following masked packages is required to complete your request:\n'
    for version in "$@"; do
      printf -- '- %s-%s::%s (masked by: %s)\n' "$cp" "$version" "$REPO_NAME" "$(mask_reasons "$cp" "$version")"
      ebuild_meta "$cp" "$version"
      comment=$(RAW=1 is_package_masked "$cp" "$version" "$E_SLOT" && mask_comment "$cp" "$version" "$E_SLOT")
      if [ -n "$comment" ] && [ "$comment" != "$shown" ]; then printf '%s\n\n' "$comment"; shown=$comment; fi
    done
    printf '\nFor more information, see the MASKED PACKAGES section in the emerge\n'
    printf 'man page or refer to the Gentoo Handbook.\n\n'
  } >&2
  exit 1
}

# Bundled short options such as -uDN or -pk.
short_options() {
  local i
  for ((i = 0; i < ${#1}; i++)); do
    case ${1:i:1} in p) pretend=1 ;; k) usepkg=1 ;; K) usepkg=1; USEPKGONLY=1 ;; e) EMPTYTREE=1 ;; u) update=1 ;; N) newuse=1 ;; b) buildpkg=1 ;; esac
  done
}

main() {
  record_invocation "$@"
  [ -n "${EMERGE_DOUBLE_SLEEP:-}" ] && sleep "$EMERGE_DOUBLE_SLEEP"
  local pretend=0 usepkg=0 update=0 newuse=0 buildpkg=0 skip=0 arg atoms=() resolved=() entry lines
  case " $(make_conf_var FEATURES) ${FEATURES:-} " in *' buildpkg '*) buildpkg=1 ;; esac
  for arg in "$@"; do
    if [ $skip = 1 ]; then skip=0; continue; fi
    case $arg in
      -p|--pretend) pretend=1 ;;
      -k|--usepkg) usepkg=1 ;;
      -K|--usepkgonly) usepkg=1; USEPKGONLY=1 ;;
      -e|--emptytree) EMPTYTREE=1 ;;
      -u|--update) update=1 ;;
      -N|--newuse) newuse=1 ;;
      -b|--buildpkg) buildpkg=1 ;;
      --jobs|-j|--load-average|--exclude|--usepkg-exclude|--backtrack|--root|--config-root) skip=1 ;;
      --*) ;;
      -*) short_options "${arg#-}" ;;
      @*) atoms+=($(set_members "$arg")) ;;
      *) atoms+=("$arg") ;;
    esac
  done
  for arg in "${atoms[@]}"; do
    DEP_CHAIN=("\"$arg\" [argument]")
    entry=$(resolve_atom "$arg") || exit 1
    mapfile -t lines <<< "$entry"
    resolved+=("${lines[@]}")
  done
  check_slot_conflicts "${resolved[@]}"
  check_blockers "${resolved[@]}"
  plan_merges "$usepkg" "$update" "$newuse" "${resolved[@]}"
  if [ $pretend = 1 ]; then print_pretend; return 0; fi
  jobserver_open
  run_merges "$buildpkg"
}

main "$@"
