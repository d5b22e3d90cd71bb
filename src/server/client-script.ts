// Pure: the POSIX sh set-up script for a binhost client. Running it twice changes nothing the
// second time: binrepos.conf/<name>.conf is rewritten only when it differs, the make.conf block
// between the binpkgbot markers is replaced in place (or appended once), and a key that is
// already trusted is not fetched again. ROOT (default /) lets it run against a scratch tree.
import {
  PORTAGE_GNUPG_HOME,
  renderBinreposConf,
  renderMakeConfBlock,
  renderReposConf,
  type ClientRepository,
  type ValidClientConfig,
} from "./client-files.js";
import { renderReportPart } from "./client-report-script.js";

export function renderClientScript(config: ValidClientConfig): string {
  const parts = [
    header(config),
    HELPERS,
    binreposPart(config),
    makeConfPart(config),
    config.signingKey ? keyPart() : "",
    config.report ? renderReportPart({ ...config.report, url: config.url }) : "",
    config.repository ? repositoryPart(config.repository, config.url) : "",
    `echo "binhost ${config.name} is set up${config.report ? `, server ${config.report.name} reports to it` : ""}"\n`,
  ];
  return parts.filter((p) => p !== "").join("\n");
}

/** Single-quotes a word for sh; validated input has no quote, this is defence in depth. */
export function quoteShellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function header(config: ValidClientConfig): string {
  const key = config.signingKey;
  return `#!/bin/sh
# Sets up this machine to fetch binary packages from the binpkgbot binhost
# ${config.name} at ${config.url}. Written by binpkgbot.
# Run as root. Safe to run again. ROOT=/some/dir sets up that tree instead of /.
set -eu

name=${quoteShellWord(config.name)}
${key ? `key_url=${quoteShellWord(key.publicKeyUrl)}\nkey_fpr=${quoteShellWord(key.fingerprint)}\n` : ""}
root=\${ROOT:-/}
root=\${root%/}
portage_dir="$root/etc/portage"
# BINPKG_GPG_VERIFY_GPG_HOME in Portage's cnf/make.globals.
gnupg_home="$root${PORTAGE_GNUPG_HOME}"
tmpdir=$(mktemp -d)
`;
}

const HELPERS = `cleanup() {
	rm -rf "$tmpdir"
	# gpg starts an agent for key generation and signing; leave no process behind.
	if [ -d "$gnupg_home" ]; then gpgconf --homedir "$gnupg_home" --kill gpg-agent >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# replace_block BEGIN END BLOCK FILE: FILE on stdout, its lines from BEGIN to END replaced by the file BLOCK.
replace_block() {
	if ! grep -Fqx "$2" "$4"; then
		echo "error: $4 has the line '$1' but not '$2'; add it or remove the block, then run again" >&2
		exit 1
	fi
	awk -v begin="$1" -v end="$2" -v block="$3" '
		$0 == begin { while ((getline line < block) > 0) print line; skipping = 1; next }
		skipping && $0 == end { skipping = 0; next }
		!skipping { print }
	' "$4"
}

# install_if_changed SRC DEST: copy only when the content differs, keeping DEST's owner and mode.
install_if_changed() {
	if [ -f "$2" ] && cmp -s "$1" "$2"; then
		echo "unchanged: $2"
	else
		cat "$1" > "$2"
		echo "written: $2"
	fi
}
`;

function binreposPart(config: ValidClientConfig): string {
  return ownFilePart("binrepos.conf", "binrepos", renderBinreposConf(config), "$name.conf", "each binhost owns one file");
}

/** `file` in the directory `conf` of /etc/portage, rewritten only when it differs. */
function ownFilePart(conf: string, temporary: string, content: string, file: string, why: string): string {
  return `# Portage reads ${conf} as a file or as a directory of files (portage.5); keep a
# single file's content as the first file of a directory so ${why}.
mkdir -p "$portage_dir"
if [ -f "$portage_dir/${conf}" ]; then
	mv "$portage_dir/${conf}" "$portage_dir/${conf}.binpkgbot-move"
	mkdir "$portage_dir/${conf}"
	mv "$portage_dir/${conf}.binpkgbot-move" "$portage_dir/${conf}/00-${conf}"
	echo "moved: $portage_dir/${conf} to $portage_dir/${conf}/00-${conf}"
fi
mkdir -p "$portage_dir/${conf}"
cat > "$tmpdir/${temporary}" <<'BINPKGBOT_EOF'
${content}BINPKGBOT_EOF
install_if_changed "$tmpdir/${temporary}" "$portage_dir/${conf}/${file}"
`;
}

/** The repository synced from the release's archive; syncing is left to the admin (it fetches the whole tree). */
function repositoryPart(repository: ClientRepository, url: string): string {
  return `${ownFilePart("repos.conf", "repos", renderReposConf(repository, url), `${repository.name}.conf`, "each repository owns one file")}echo "next: emaint sync --repo ${repository.name} (the tree the binpkgs were built from)"
`;
}

function makeConfPart(config: ValidClientConfig): string {
  return `# make.conf: own only the lines between the markers, leave the rest of the file alone.
begin="# BEGIN binpkgbot $name"
end="# END binpkgbot $name"
make_conf="$portage_dir/make.conf"
cat > "$tmpdir/block" <<'BINPKGBOT_EOF'
${renderMakeConfBlock(config)}BINPKGBOT_EOF
if [ -d "$make_conf" ]; then
	install_if_changed "$tmpdir/block" "$make_conf/zz-binpkgbot-$name.conf"
elif [ -f "$make_conf" ] && grep -Fqx "$begin" "$make_conf"; then
	replace_block "$begin" "$end" "$tmpdir/block" "$make_conf" > "$tmpdir/make.conf"
	install_if_changed "$tmpdir/make.conf" "$make_conf"
else
	if [ -s "$make_conf" ]; then cat "$make_conf"; echo; fi > "$tmpdir/make.conf"
	cat "$tmpdir/block" >> "$tmpdir/make.conf"
	install_if_changed "$tmpdir/make.conf" "$make_conf"
fi
`;
}

function keyPart(): string {
  return `run_gpg() {
	gpg --homedir "$gnupg_home" --batch --no-tty "$@"
}

# Portage accepts a signature only from a fully or ultimately trusted key
# (gpkg.py _check_gpg_status), i.e. validity f or u in the colon listing.
key_is_trusted() {
	[ -f "$gnupg_home/pubring.kbx" ] || return 1
	validity=$(run_gpg --no-auto-check-trustdb --with-colons --list-keys "$key_fpr" 2>/dev/null | awk -F: '$1 == "pub" { print $2; exit }') || return 1
	[ "$validity" = f ] || [ "$validity" = u ]
}

fetch() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --proto '=http,https' --max-time 300 -o "$2" "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T 60 -O "$2" "$1"
	else
		echo "error: neither curl nor wget is installed; install one, or fetch $1 by hand" >&2
		exit 1
	fi
}

# The same layout getuto (Portage's PORTAGE_TRUST_HELPER) creates: a local trust key whose
# passphrase is in ./pass, so getuto's later refreshes keep working on this keyring.
create_keyring() {
	if [ -z "$root" ] && command -v getuto >/dev/null 2>&1; then
		getuto
		return
	fi
	mkdir -p "$gnupg_home"
	chmod 755 "$gnupg_home"
	printf 'no-greeting\\nno-permission-warning\\n' > "$gnupg_home/gpg.conf"
	printf 'disable-scdaemon\\n' > "$gnupg_home/gpg-agent.conf"
	(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \\n' > "$gnupg_home/pass")
	run_gpg --pinentry-mode loopback --passphrase-file "$gnupg_home/pass" \\
		--quick-generate-key 'Portage Local Trust Key (local signing only) <portage@localhost>' default default never
	run_gpg --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }' > "$gnupg_home/mykeyid"
}

if key_is_trusted; then
	echo "unchanged: key $key_fpr is trusted in $gnupg_home"
else
	[ -d "$gnupg_home" ] || create_keyring
	if [ ! -f "$gnupg_home/pass" ]; then
		echo "error: $gnupg_home was not made by getuto (no ./pass); sign the key yourself:" >&2
		echo "  gpg --homedir $gnupg_home --lsign-key $key_fpr" >&2
		exit 1
	fi
	fetch "$key_url" "$tmpdir/key.asc"
	# Trust only the key this script names, whatever else the download holds.
	if ! run_gpg --show-keys --with-colons "$tmpdir/key.asc" | grep -q "^fpr:::::::::$key_fpr:"; then
		echo "error: $key_url does not hold the key $key_fpr" >&2
		exit 1
	fi
	run_gpg --import "$tmpdir/key.asc"
	run_gpg --yes --pinentry-mode loopback --passphrase-file "$gnupg_home/pass" --quick-lsign-key "$key_fpr"
	run_gpg --check-trustdb
	echo "trusted: key $key_fpr in $gnupg_home"
fi
# Portage verifies as GPG_VERIFY_USER_DROP (nobody, cnf/make.globals): it must read the keyring.
chmod go+r "$gnupg_home/pubring.kbx" "$gnupg_home/trustdb.gpg"
`;
}
