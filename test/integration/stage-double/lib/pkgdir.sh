# emerge test double: binpkgs in PKGDIR and the Packages index (sourced by emerge-double.sh).

# The highest BUILD_ID of a CPV among the index and the files, plus one, then the first id whose
# file can be created exclusively: bintree.py, _allocate_filename_multi and _max_build_id. A
# free lower id (a pruned build) is never reused. bash's noclobber opens with O_EXCL, as Portage's
# open(filename, "x"); only an existing file (FileExistsError there) moves on to the next id.
allocate_build_id() { # cpv → prints the id, creates the placeholder file
  local cp pf=${1#*/} max=0 id f file
  cp=$(split_cpv_cp "$1")
  if [ -f "$PKGDIR/Packages" ]; then
    id=$(awk -v cpv="$1" '/^CPV: /{c=substr($0,6)} /^BUILD_ID: /{b=substr($0,11)} /^$/{if(c==cpv&&b+0>m)m=b+0; c="";b=""} END{if(c==cpv&&b+0>m)m=b+0; print m+0}' "$PKGDIR/Packages")
    max=$id
  fi
  mkdir -p "$PKGDIR/$cp"
  for f in $(ls "$PKGDIR/$cp" 2>/dev/null); do
    case $f in "$pf"-*.gpkg.tar) id=${f#"$pf"-}; id=${id%.gpkg.tar}
      case $id in *[!0-9]*|'') ;; *) [ "$id" -gt "$max" ] && max=$id ;; esac ;; esac
  done
  id=$((max + 1))
  while file=$PKGDIR/$cp/$pf-$id.gpkg.tar; ! (set -o noclobber; : > "$file") 2>/dev/null; do
    [ -e "$file" ] || { echo "!!! cannot create $file" >&2; return 1; }
    id=$((id + 1))
  done
  echo "$id"
}

split_cpv_cp() { [[ $1 =~ $VERSION_RE ]] && printf '%s' "${BASH_REMATCH[1]}"; }

# A GPKG as gpkg.py (gpkg.compress) writes it: an uncompressed tar of <basename>/gpkg-1, then
# <basename>/metadata.tar.gz (metadata/<KEY> files), <basename>/image.tar.gz (image/…) and a
# <basename>/Manifest of "DATA name size SHA512 …" lines, where basename is ${PF}-${BUILD_ID}
# (misc-functions.sh, __dyn_package). gzip stands for Portage's default zstd (busybox has no
# zstd; BINPKG_COMPRESS=gzip is a valid setting), and the Manifest lacks BLAKE2B (no b2sum).
write_gpkg() { # path basename metadata-dir image-dir
  local tmp member; tmp=$(mktemp -d)
  mkdir -p "$tmp/$2"
  : > "$tmp/$2/gpkg-1"
  (cd "$3/.." && tar -cf - "${3##*/}") | gzip -n > "$tmp/$2/metadata.tar.gz"
  (cd "$4/.." && tar -cf - "${4##*/}") | gzip -n > "$tmp/$2/image.tar.gz"
  for member in gpkg-1 metadata.tar.gz image.tar.gz; do
    printf 'DATA %s %s SHA512 %s\n' "$member" "$(stat -c %s "$tmp/$2/$member")" "$(sha512sum < "$tmp/$2/$member" | cut -d' ' -f1)"
  done > "$tmp/$2/Manifest"
  (cd "$tmp" && tar -cf - "$2/gpkg-1" "$2/metadata.tar.gz" "$2/image.tar.gz" "$2/Manifest") > "$1"
  rm -rf "$tmp"
}

# One index block. Keys are sorted, with MTIME and REPO last (they are `_mtime_` and `repository`
# inside Portage), and keys whose value is empty or the default of _pkgindex_default_pkg_data
# (EAPI 0, SLOT 0, …) are left out, as PackageIndex.write (getbinpkg.py) does.
packages_block() { # id relpath cpv slot eapi iuse keywords use
  local file=$PKGDIR/$2
  { printf 'BUILD_ID\t%s\nBUILD_TIME\t%s\nCPV\t%s\nEAPI\t%s\nIUSE\t%s\nKEYWORDS\t%s\n' "$1" "$(date +%s)" "$3" "$5" "$6" "$7"
    printf 'MD5\t%s\nPATH\t%s\nSHA1\t%s\nSIZE\t%s\nSLOT\t%s\nUSE\t%s\n' "$(md5sum < "$file" | cut -d' ' -f1)" "$2" \
      "$(sha1sum < "$file" | cut -d' ' -f1)" "$(stat -c %s "$file")" "$4" "$8"
    printf 'MTIME\t%s\nREPO\t%s\n' "$(stat -c %Y "$file")" "$REPO_NAME"
  } | awk -F '\t' '$2 == "" { next } $1 == "EAPI" && $2 == "0" { next } $1 == "SLOT" && $2 == "0" { next } { print $1 ": " $2 }'
}

# Each blank-line separated block as one line: "CPV<TAB>line\001line\001…" (the first block of
# a whole Packages file is its header, which has no CPV).
blocks_as_lines() {
  awk -v tab="$TAB" '/^$/ { if (block != "") print cpv tab block; block = ""; cpv = ""; next }
    /^CPV: / { cpv = substr($0, 6) } { block = block $0 "\001" } END { if (block != "") print cpv tab block }'
}

# Rereads and rewrites the index under Portage's lock, so concurrent emerges into one PKGDIR lose
# no entry: bintree.py inject() holds lockfile(self._pkgindex_file, wantnewlockfile=1), which is
# fcntl.lockf on .Packages.portage_lockfile (locks.py lockfile). Busybox has no lock applet, so the
# stage's lockf-run (stage-double/lockf-run.c) holds it around a bash running rewrite_packages.
add_to_packages() { # block
  PKGDIR=$PKGDIR TAB=$TAB ACCEPT_KEYWORDS=$ACCEPT_KEYWORDS ARCH=$ARCH \
    lockf-run "$PKGDIR/.Packages.portage_lockfile" "$BASH" -c 'source "$1/pkgdir.sh" && rewrite_packages "$2"' _ "$LIB" "$1"
}

# Rewrites the index with a new block: header keys sorted, then the blocks sorted by CPV as plain
# strings, stably (PackageIndex.write, _cmp_cpv), so builds of one CPV stay in build order.
rewrite_packages() { # block
  local index=$PKGDIR/Packages body count
  body=$( { [ -f "$index" ] && sed '1,/^$/d' "$index"; printf '%s\n\n' "$1"; } | blocks_as_lines \
    | LC_ALL=C sort -s -t "$TAB" -k1,1 | cut -f2- | tr '\001' '\n')
  count=$(printf '%s\n' "$body" | grep -c '^CPV: ' || true)
  { printf 'ACCEPT_KEYWORDS: %s\nARCH: %s\nCHOST: x86_64-pc-linux-gnu\nPACKAGES: %s\n' "$ACCEPT_KEYWORDS" "$ARCH" "$count"
    printf 'PROFILE: default/linux/amd64/23.0\nTIMESTAMP: %s\nVERSION: 0\n\n' "$(date +%s)"
    printf '%s\n\n' "$body" | sed '/^$/N;/^\n$/D'; } > "$index.tmp"
  mv "$index.tmp" "$index"
}

# "BUILD_ID PATH" of the binpkg --usepkg would take for this CPV and USE: same enabled flags
# (--binpkg-respect-use), the newest BUILD_TIME among them, then the highest BUILD_ID.
find_binpkg() { # cpv use
  [ -f "$PKGDIR/Packages" ] || return 0
  blocks_as_lines < "$PKGDIR/Packages" | cut -f2- | awk -F '\001' -v cpv="$1" -v use="$2" '
    { c = ""; u = ""; b = 0; t = 0; p = ""
      for (i = 1; i <= NF; i++) { k = $i; sub(/: .*/, "", k); v = substr($i, length(k) + 3)
        if (k == "CPV") c = v; else if (k == "USE") u = v; else if (k == "BUILD_ID") b = v + 0
        else if (k == "BUILD_TIME") t = v + 0; else if (k == "PATH") p = v }
      if (c == cpv && u == use && (t > bt || (t == bt && b > bb))) { bt = t; bb = b; bp = p; found = 1 } }
    END { if (found) print bb " " bp }' | while read -r id path; do
      [ -s "$PKGDIR/$path" ] && echo "$id $path"; done
}

# "found USE" of the newest binpkg of this CPV whatever its flags, nothing when there is none: the
# instance --usepkg passes over when its USE does not match (depgraph.py, _select_pkg_highest_available_imp,
# respect_use and _reinstall_for_flags, which then record it in ignored_binaries).
binpkg_any_use() { # cpv
  [ -f "$PKGDIR/Packages" ] || return 0
  blocks_as_lines < "$PKGDIR/Packages" | cut -f2- | awk -F '\001' -v cpv="$1" '
    { c = ""; u = ""; b = 0; t = 0
      for (i = 1; i <= NF; i++) { k = $i; sub(/: .*/, "", k); v = substr($i, length(k) + 3)
        if (k == "CPV") c = v; else if (k == "USE") u = v; else if (k == "BUILD_ID") b = v + 0; else if (k == "BUILD_TIME") t = v + 0 }
      if (c == cpv && (!found || t > bt || (t == bt && b > bb))) { bt = t; bb = b; bu = u; found = 1 } }
    END { if (found) print "found " bu }'
}
