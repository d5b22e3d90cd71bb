// Signing material for one container: a private copy of the signing GnuPG home, Portage's lock
// directory, and a verification keyring in the copy of /etc/portage that trusts the signing key.
import { chmod, lstat, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { runChecked, type Exec } from "../exec/exec.js";
import type { ContainerStep } from "../plan/plan.js";
import type { TrustedKey } from "../plan/plan-signing.js";
import { copyTree } from "./copy-tree.js";

/** GnuPG options for reading someone else's home without changing it. */
const READ_ONLY = ["--batch", "--no-tty", "--no-auto-check-trustdb", "--no-permission-warning"];

export async function prepareSigning(step: ContainerStep, exec: Exec): Promise<void> {
  if (step.signing) {
    await copyTree(step.signing.gnupgHome, step.signing.copy);
    await chmod(step.signing.copy, 0o700);
    await mkdir(step.signing.lockDir, { recursive: true });
    await chmod(step.signing.lockDir, 0o1777);
  }
  if (step.etcPortage.trust) await trustKey(path.join(step.etcPortage.to, "gnupg"), step.etcPortage.trust, step.workDir, exec);
}

/** The full fingerprint of a key given by fingerprint or long id, from `--with-colons` output. */
export function parseFingerprint(colons: string): string | null {
  const lines = colons.split("\n");
  const pub = lines.findIndex((line) => line.startsWith("pub:"));
  if (pub === -1) return null;
  const fpr = lines.slice(pub + 1).find((line) => line.startsWith("fpr:"));
  return fpr?.split(":")[9] || null;
}

/**
 * Portage accepts a binpkg signature only from a fully or ultimately trusted key (lib/portage/gpkg.py,
 * _check_gpg_status), verifying as GPG_VERIFY_USER_DROP=nobody: so the key gets ultimate owner trust and
 * the keyring is made readable for everyone (it holds public keys only).
 */
async function trustKey(home: string, trust: TrustedKey, workDir: string, exec: Exec): Promise<void> {
  const listed = await runChecked(exec, ["gpg", "--homedir", trust.gnupgHome, ...READ_ONLY, "--with-colons", "--fingerprint", trust.key]);
  const fingerprint = parseFingerprint(listed.stdout);
  if (!fingerprint) throw new Error(`the signing key ${trust.key} is not in ${trust.gnupgHome}: check signing.key with gpg --homedir ${trust.gnupgHome} --list-secret-keys`);
  await mkdir(home, { recursive: true, mode: 0o755 });
  // An existing common.conf keeps GnuPG 2.4 from switching a new home to keyboxd, which an
  // unprivileged reader of a read-only /etc/portage/gnupg could not start.
  await writeFile(path.join(home, "common.conf"), "", { flag: "a" });
  // A keyring file is a plain sequence of OpenPGP packets: gpg reads pubring.gpg where there is no
  // pubring.kbx. Writing it directly needs no gpg-agent (whose socket path may be too long here).
  const keyring = (await exists(path.join(home, "pubring.kbx"))) ? path.join(workDir, "signing-key.gpg") : path.join(home, "pubring.gpg");
  await runChecked(exec, ["gpg", "--homedir", trust.gnupgHome, ...READ_ONLY, "--yes", "--output", keyring, "--export", fingerprint]);
  if (!keyring.startsWith(home)) await importKey(exec, home, keyring);
  await runChecked(exec, ["gpg", "--homedir", home, "--batch", "--no-tty", "--no-autostart", "--no-permission-warning", "--import-ownertrust"], { input: `${fingerprint}:6:\n` });
  // Portage verifies with --no-auto-check-trustdb: the trust database must be up to date already.
  await runChecked(exec, ["gpg", "--homedir", home, "--batch", "--no-tty", "--no-autostart", "--no-permission-warning", "--check-trustdb"]);
  await exec.run(["gpgconf", "--homedir", home, "--kill", "all"]);
  await makeReadable(home);
}

/** gpg exits 2 when it cannot reach an agent, even though a public key import needs none. */
async function importKey(exec: Exec, home: string, keyring: string): Promise<void> {
  const result = await exec.run(["gpg", "--homedir", home, "--batch", "--no-tty", "--no-autostart", "--no-permission-warning", "--import", keyring]);
  if (result.code === 0 || /^gpg: +(imported|unchanged): 1$/m.test(result.stderr)) return;
  throw new Error(`cannot add the signing key to ${home}: ${result.stderr.trim().split("\n").at(-1) ?? ""}`);
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(() => true, () => false);
}

async function makeReadable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeReadable(full);
    else if (entry.isFile()) await chmod(full, ((await stat(full)).mode & 0o777) | 0o444);
  }
}
