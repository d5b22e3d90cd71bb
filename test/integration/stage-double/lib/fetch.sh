# emerge test double: fetching SRC_URI (sourced by emerge-double.sh) as lib/portage/package/ebuild/fetch.py
# does with make.globals' FETCHCOMMAND (wget; here busybox's): a file already in DISTDIR is used;
# otherwise each URI of the file is tried in turn (">>> Downloading 'URI'") into FILE.__download__,
# which is renamed on success. GENTOO_MIRRORS, "-> name" renames and Manifest checks are not modelled.

DISTDIR=${DISTDIR:-$(make_conf_var DISTDIR)}
DISTDIR=${DISTDIR:-/var/cache/distfiles}

fetch_sources() { # cpv log uris…
  local cpv=$1 log=$2 file uri fetched
  shift 2
  for file in $(printf '%s\n' "${@##*/}" | awk '!seen[$0]++'); do
    [ -f "$DISTDIR/$file" ] && continue
    fetched=0
    for uri in "$@"; do
      [ "${uri##*/}" = "$file" ] || continue
      echo ">>> Downloading '$uri'"
      if wget -T 10 -O "$DISTDIR/$file.__download__" "$uri"; then
        mv "$DISTDIR/$file.__download__" "$DISTDIR/$file"; fetched=1; break
      fi
      rm -f "$DISTDIR/$file.__download__"
    done
    [ $fetched = 1 ] && continue
    printf "!!! Couldn't download '%s'. Aborting.\n" "$file" >&2
    # lib/_emerge/EbuildFetcher.py, _proc_join_done.
    if [ -n "$log" ]; then printf " * Fetch failed for '%s', Log file:\n *  '%s'\n" "$cpv" "$log" >&2
    else printf " * Fetch failed for '%s'\n" "$cpv" >&2; fi
    return 1
  done
}
