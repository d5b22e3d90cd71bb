// Pure: the part of a server's set-up script (client-config --report) that makes the server report
// its Portage state to the build host: once at set-up, and after every emerge that changed the
// installed packages.
//
// The hook is Portage's own: at the end of an emerge, post_emerge() (lib/_emerge/post_emerge.py)
// runs the executable $PORTAGE_CONFIGROOT/etc/portage/bin/post_emerge, once per emerge, only when
// packages were merged or removed (vardbapi._pkgs_changed), after the vdb lock is released, as
// root, with Portage's environment (settings.environ(), which carries PORTAGE_CONFIGROOT).
// The alternatives are worse: /etc/portage/bashrc phase hooks (post_pkg_postinst) run once per
// package inside that package's build environment, under the network sandbox; a systemd path
// unit exists only on systemd machines (Gentoo's default is OpenRC) and cannot tell one emerge
// from many writes; an emerge wrapper is bypassed by anything that runs emerge by its full path.
import { quoteShellWord } from "./client-script.js";

export interface ClientReportSettings {
  /** This server's name in the build host's `servers:`. */
  name: string;
  /** The build host's serve URL (the binhost's sync-uri). */
  url: string;
  /** The bearer token to install on the server; without it the token file must already be there. */
  token?: string | undefined;
}

/** Where the server keeps its token: outside /etc/portage, so a report never carries it. */
export const SERVER_TOKEN_FILE = "/etc/binpkgbot/report-token";

const HOOK_BEGIN = "# BEGIN binpkgbot report";
const HOOK_END = "# END binpkgbot report";

export function renderReportPart(settings: ClientReportSettings): string {
  return [tokenPart(settings), hookPart(settings), firstReportPart(settings)].join("\n");
}

function reportCommand(settings: ClientReportSettings, tokenFile: string, root: string): string {
  return `binpkgbot report --to ${quoteShellWord(settings.url)} --name ${quoteShellWord(settings.name)} --token-file ${tokenFile} --root ${root}`;
}

function tokenPart(settings: ClientReportSettings): string {
  const install = settings.token === undefined
    ? `if [ ! -s "$report_token" ]; then
	echo "error: $report_token is missing: put server ${settings.name}'s token there (mode 600), the content of its token_file on the build host, or run client-config with --token-file" >&2
	exit 1
fi`
    : `cat > "$tmpdir/report-token" <<'BINPKGBOT_EOF'
${settings.token}
BINPKGBOT_EOF
(umask 077 && install_if_changed "$tmpdir/report-token" "$report_token")
chmod 600 "$report_token"`;
  return `# Report this server's Portage state to the build host (binpkgbot report), so that it builds
# what this server needs. The token lives outside /etc/portage, so no report carries it.
report_token="$root${SERVER_TOKEN_FILE}"
mkdir -p "$root${SERVER_TOKEN_FILE.replace(/\/[^/]+$/, "")}"
${install}
`;
}

function hookPart(settings: ClientReportSettings): string {
  // PORTAGE_CONFIGROOT is / for a plain emerge; with emerge --config-root the report reads that tree.
  const command = reportCommand(settings, `"\${PORTAGE_CONFIGROOT%/}${SERVER_TOKEN_FILE}"`, `"\${PORTAGE_CONFIGROOT:-/}"`);
  return `# After each emerge that changed installed packages: Portage runs the executable
# /etc/portage/bin/post_emerge once at the end (lib/_emerge/post_emerge.py). Only the lines
# between the markers are ours; a hook of your own keeps its other lines.
hook="$portage_dir/bin/post_emerge"
cat > "$tmpdir/hook-block" <<'BINPKGBOT_EOF'
${HOOK_BEGIN}
${command} || echo "binpkgbot report failed (above); the build host keeps this server's last report" >&2
${HOOK_END}
BINPKGBOT_EOF
mkdir -p "$portage_dir/bin"
if [ -f "$hook" ] && grep -Fqx '${HOOK_BEGIN}' "$hook"; then
	replace_block '${HOOK_BEGIN}' '${HOOK_END}' "$tmpdir/hook-block" "$hook" > "$tmpdir/hook"
elif [ -f "$hook" ]; then
	{ cat "$hook"; [ -z "$(tail -c 1 "$hook")" ] || echo; cat "$tmpdir/hook-block"; } > "$tmpdir/hook"
else
	{ echo '#!/bin/sh'; cat "$tmpdir/hook-block"; } > "$tmpdir/hook"
fi
install_if_changed "$tmpdir/hook" "$hook"
chmod 755 "$hook"
`;
}

function firstReportPart(settings: ClientReportSettings): string {
  return `# Once now, so the build host knows this server before its next emerge.
if ! command -v binpkgbot >/dev/null 2>&1; then
	echo "error: binpkgbot is not installed on this server: install it (README, Install as a system command), then run this script again" >&2
	exit 1
fi
if ! ${reportCommand(settings, `"$report_token"`, `"\${root:-/}"`)}; then
	echo "error: the first report failed (above); fix that and run this script again" >&2
	exit 1
fi
`;
}
