// Pure: validation of a binhost client's settings and the two files a client owns, shared by
// the readable text and the set-up script. Keys and defaults follow Portage: man/portage.5
// (binrepos.conf), lib/portage/binrepo/config.py, cnf/binrepos.conf, cnf/make.globals,
// man/emerge.1.
import { SERVER_NAME } from "../report/reporting-servers.js";

export interface ClientConfigInput {
  /** The binhost URL clients use as `sync-uri` (where `Packages` is). */
  url: string;
  /** The binrepos.conf section name, also the file name `binrepos.conf/<name>.conf`. */
  name: string;
  /** Present when the binhost signs its binpkgs (FEATURES=binpkg-signing). */
  signingKey?: { fingerprint: string; publicKeyUrl: string } | undefined;
  /** binrepos.conf `priority`; higher wins among repositories offering the same version. */
  priority?: number | undefined;
  /** Make this machine report itself to the binhost's serve as the server `name` (client-report-script.ts). */
  report?: { name: string; token?: string | undefined } | undefined;
  /** Sync this ebuild repository from the release's archive (client-config --with-repo). */
  repository?: ClientRepository | undefined;
}

/** A repos.conf entry: the repository `name` at `location`, synced from `syncUri` with sync-type zipfile. */
export interface ClientRepository {
  name: string;
  location: string;
  syncUri: string;
}

/** One problem with the input, naming the field and what is accepted. */
export interface ClientConfigIssue {
  field: "url" | "name" | "signingKey.fingerprint" | "signingKey.publicKeyUrl" | "priority" | "report.name" | "report.token" | "repository.name" | "repository.location";
  message: string;
}

export class InvalidClientConfigError extends Error {
  override readonly name = "InvalidClientConfigError";
  constructor(readonly issues: readonly ClientConfigIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join("; "));
  }
}

/** The input after validation: fingerprint normalised to upper-case hex without spaces. */
export interface ValidClientConfig {
  url: string;
  name: string;
  priority: number;
  signingKey?: { fingerprint: string; publicKeyUrl: string } | undefined;
  report?: { name: string; token?: string | undefined } | undefined;
  repository?: ClientRepository | undefined;
}

/**
 * Above the priority Gentoo gives its own binhost (priority = 1 in the gentoobinhost.conf that
 * stages ship), so packages built here with local USE flags win at equal versions.
 */
export const DEFAULT_PRIORITY = 10;

/** Where Portage's verification keyring lives (BINPKG_GPG_VERIFY_GPG_HOME, cnf/make.globals). */
export const PORTAGE_GNUPG_HOME = "/etc/portage/gnupg";

export function validateClientConfig(input: ClientConfigInput): ValidClientConfig {
  const issues: ClientConfigIssue[] = [];
  if (!/^[A-Za-z0-9_-]+$/.test(input.name)) {
    issues.push({ field: "name", message: `${JSON.stringify(input.name)} must match [A-Za-z0-9_-]+` });
  }
  checkUrl(input.url, "url", issues);
  const priority = input.priority ?? DEFAULT_PRIORITY;
  if (!Number.isSafeInteger(priority)) issues.push({ field: "priority", message: `${priority} must be an integer` });
  let signingKey: ValidClientConfig["signingKey"];
  if (input.signingKey) {
    const fingerprint = input.signingKey.fingerprint.replace(/\s+/g, "").toUpperCase();
    // v4 fingerprints are 40 hex digits, v5/v6 are 64.
    if (!/^([0-9A-F]{40}|[0-9A-F]{64})$/.test(fingerprint)) {
      issues.push({ field: "signingKey.fingerprint", message: "must be a full OpenPGP fingerprint (40 or 64 hex digits)" });
    }
    checkUrl(input.signingKey.publicKeyUrl, "signingKey.publicKeyUrl", issues);
    signingKey = { fingerprint, publicKeyUrl: input.signingKey.publicKeyUrl };
  }
  if (input.report) checkReport(input.report, issues);
  if (input.repository) checkRepository(input.repository, issues);
  if (issues.length > 0) throw new InvalidClientConfigError(issues);
  return { url: input.url, name: input.name, priority, signingKey, ...(input.report ? { report: input.report } : {}), ...(input.repository ? { repository: input.repository } : {}) };
}

function checkRepository(repository: ClientRepository, issues: ClientConfigIssue[]): void {
  // The name is a repos.conf section and a file name, the location an ini value; both end up in sh words.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_+-]*$/.test(repository.name)) issues.push({ field: "repository.name", message: `${JSON.stringify(repository.name)} must be a repository name: letters, digits, '_', '+' and '-' (profiles/repo_name)` });
  if (!/^\/[A-Za-z0-9._+/-]*$/.test(repository.location) || repository.location.split("/").includes("..")) {
    issues.push({ field: "repository.location", message: `${JSON.stringify(repository.location)} must be an absolute path of letters, digits and ._+-/` });
  }
  checkUrl(repository.syncUri, "url", issues);
}

function checkReport(report: { name: string; token?: string | undefined }, issues: ClientConfigIssue[]): void {
  // The name ends up in a URL path and a single-quoted shell word; the token in a here-document.
  if (!SERVER_NAME.test(report.name)) issues.push({ field: "report.name", message: `${JSON.stringify(report.name)} must be a server name: letters, digits, '.', '_' and '-'` });
  if (report.token !== undefined && !/^[A-Za-z0-9._~+/=-]{16,512}$/.test(report.token)) {
    issues.push({ field: "report.token", message: "must be 16 to 512 characters of letters, digits and ._~+/=- (openssl rand -hex 32 writes one)" });
  }
}

function checkUrl(url: string, field: ClientConfigIssue["field"], issues: ClientConfigIssue[]): void {
  // No whitespace, quotes, backslashes or shell metacharacters: the URL ends up in an ini
  // value and in a single-quoted shell word, and a real binhost URL never needs them.
  if (!/^https?:\/\/[A-Za-z0-9._~:/?#[\]@!&()*+,;=%-]+$/.test(url) || /['"`$\\]/.test(url)) {
    issues.push({ field, message: `${JSON.stringify(url)} must be an http:// or https:// URL without quotes or whitespace` });
    return;
  }
  try {
    new URL(url);
  } catch {
    issues.push({ field, message: `${JSON.stringify(url)} is not a valid URL` });
  }
}

/** `/etc/portage/binrepos.conf/<name>.conf`, rewritten wholesale by the script. */
export function renderBinreposConf(config: ValidClientConfig): string {
  const lines = [
    `# Binary packages built by binpkgbot. Written by binpkgbot; edits are overwritten.`,
    `[${config.name}]`,
    `# Higher priority wins when several binhosts offer the same version.`,
    `priority = ${config.priority}`,
    `sync-uri = ${config.url}`,
  ];
  if (config.signingKey) {
    lines.push(
      `# Binpkgs are signed with ${config.signingKey.fingerprint}; Portage checks them`,
      `# against the keyring in ${PORTAGE_GNUPG_HOME}.`,
      `verify-signature = true`,
    );
  } else {
    lines.push(
      `# This binhost does not sign its binpkgs (no FEATURES=binpkg-signing), while Portage`,
      `# verifies by default ([DEFAULT] verify-signature = true in Portage's binrepos.conf`,
      `# since 3.0.78), so with "true" every package from here would be rejected.`,
      `verify-signature = false`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The make.conf block between the binpkgbot markers, markers included. */
export function renderMakeConfBlock(config: ValidClientConfig): string {
  return [
    `# BEGIN binpkgbot ${config.name}`,
    `# Fetch binpkgs from the binhosts in /etc/portage/binrepos.conf.`,
    `FEATURES="\${FEATURES} getbinpkg"`,
    `# emerge(1): --binpkg-respect-use is automatic only when neither --usepkgonly nor`,
    `# --getbinpkgonly is given; with them a binpkg built with other USE flags would be`,
    `# installed. Setting it explicitly also implies --autounmask-use=n.`,
    `EMERGE_DEFAULT_OPTS="\${EMERGE_DEFAULT_OPTS} --binpkg-respect-use=y"`,
    `# END binpkgbot ${config.name}`,
  ].join("\n") + "\n";
}


/**
 * `/etc/portage/repos.conf/<repository>.conf`: the repository synced from a release's archive
 * (man/portage.5 sync-type, sync-uri; lib/portage/sync/modules/zipfile/zipfile.py).
 */
export function renderReposConf(repository: ClientRepository, binhostUrl: string): string {
  return [
    `# The ebuild repository the binpkgs at ${binhostUrl} were built from.`,
    `# Written by binpkgbot; edits are overwritten.`,
    `[${repository.name}]`,
    `location = ${repository.location}`,
    `# Portage 3.0.64 or later: fetches the archive, sends the ETag of the last one in`,
    `# If-None-Match, and replaces the whole tree with the archive's content, so the tree`,
    `# is exactly the one those binpkgs were built against (older or newer).`,
    `sync-type = zipfile`,
    `sync-uri = ${repository.syncUri}`,
    `auto-sync = yes`,
  ].join("\n") + "\n";
}
