// Pure: what a Gentoo machine needs to use this binhost, as text to read or as a POSIX sh
// script to run (client-script.ts). The files themselves are rendered in client-files.ts.
import {
  PORTAGE_GNUPG_HOME,
  renderBinreposConf,
  renderMakeConfBlock,
  renderReposConf,
  validateClientConfig,
  type ClientConfigInput,
  type ValidClientConfig,
} from "./client-files.js";
import { renderClientScript } from "./client-script.js";

export type { ClientConfigInput } from "./client-files.js";
export { InvalidClientConfigError } from "./client-files.js";

export type ClientConfigFormat = "text" | "script";

export function renderClientConfig(input: ClientConfigInput, format: ClientConfigFormat): string {
  const config = validateClientConfig(input);
  switch (format) {
    case "text":
      return renderClientText(config);
    case "script":
      return renderClientScript(config);
  }
}

function renderClientText(config: ValidClientConfig): string {
  const sections = [
    `# Using the binhost "${config.name}" at ${config.url}`,
    `# 1. Save as /etc/portage/binrepos.conf/${config.name}.conf\n\n${renderBinreposConf(config)}`,
    `# 2. Add to /etc/portage/make.conf\n\n${renderMakeConfBlock(config)}`,
  ];
  if (config.signingKey) sections.push(renderKeyTrustText(config.signingKey));
  if (config.repository) sections.push(renderRepositoryText(sections.length, config.repository, config.url));
  return sections.join("\n");
}

/** `sections` starts with the heading, so its length is the number of the next step. */
function renderRepositoryText(step: number, repository: NonNullable<ValidClientConfig["repository"]>, url: string): string {
  return [
    `# ${step}. Save as /etc/portage/repos.conf/${repository.name}.conf (if repos.conf is a file, make it a`,
    `#    directory holding that file first), then sync the repository from the release:`,
    ``,
    renderReposConf(repository, url),
    `emaint sync --repo ${repository.name}`,
    ``,
  ].join("\n");
}

function renderKeyTrustText(key: { fingerprint: string; publicKeyUrl: string }): string {
  const gpg = `gpg --homedir ${PORTAGE_GNUPG_HOME}`;
  return [
    `# 3. Trust the signing key (as root). Portage verifies as an unprivileged user`,
    `#    (GPG_VERIFY_USER_DROP=nobody) and accepts only a fully or ultimately trusted`,
    `#    signer (gpkg.py _check_gpg_status), so the key must be locally signed.`,
    `#    getuto (app-portage/getuto, Portage's PORTAGE_TRUST_HELPER) creates`,
    `#    ${PORTAGE_GNUPG_HOME} with a local trust key and its passphrase in ./pass:`,
    ``,
    `getuto`,
    `curl -fsSL -o /tmp/binhost-key.asc '${key.publicKeyUrl}'`,
    `${gpg} --show-keys --with-colons /tmp/binhost-key.asc | grep -q '^fpr:::::::::${key.fingerprint}:'`,
    `${gpg} --batch --import /tmp/binhost-key.asc`,
    `${gpg} --batch --yes --pinentry-mode loopback --passphrase-file ${PORTAGE_GNUPG_HOME}/pass --quick-lsign-key ${key.fingerprint}`,
    `${gpg} --batch --check-trustdb`,
    `chmod go+r ${PORTAGE_GNUPG_HOME}/pubring.kbx ${PORTAGE_GNUPG_HOME}/trustdb.gpg`,
    ``,
    `#    Without getuto, the set-up script (--format script) creates an equivalent keyring.`,
  ].join("\n") + "\n";
}
