// Signing material for one container: a private copy of the signing GnuPG home, Portage's lock
// directory, and a verification keyring in the copy of /etc/portage that trusts the signing key.
// The keyring is built once per run (a handful of gpg processes) and copied into each container's
// /etc/portage; only an etc_portage that has a keyring of its own needs the key imported into it.
import { createHash } from "node:crypto";
import { chmod, copyFile, lstat, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { runChecked, type Exec } from "../exec/exec.js";
import type { ContainerStep } from "../plan/plan.js";
import type { TrustedKey } from "../plan/plan-signing.js";
import { copyTree } from "./copy-tree.js";

/** GnuPG options for reading someone else's home without changing it. */
const READ_ONLY = ["--batch", "--no-tty", "--no-auto-check-trustdb", "--no-permission-warning"];
/** GnuPG options for a keyring binpkgbot writes; it never needs an agent (whose socket path may be too long here). */
const OWN = ["--batch", "--no-tty", "--no-autostart", "--no-permission-warning"];

interface BuiltKeyring {
  fingerprint: string;
  /** The exported public key (binary OpenPGP packets). */
  keyFile: string;
  /** A GnuPG home that trusts the key ultimately, readable by all. */
  home: string;
}

/** The verification keyrings of one run, built on first use and removed with `remove()`. */
export class TrustedKeyrings {
  private readonly built = new Map<string, Promise<BuiltKeyring>>();
  private readonly dirs = new Set<string>();

  constructor(private readonly exec: Exec) {}

  get(trust: TrustedKey, runDir: string): Promise<BuiltKeyring> {
    const id = createHash("sha256").update(`${trust.gnupgHome}\0${trust.key}`).digest("hex").slice(0, 12);
    let keyring = this.built.get(id);
    if (!keyring) {
      const dir = path.join(runDir, `trusted-keyring-${id}`);
      this.dirs.add(dir);
      keyring = buildKeyring(trust, dir, this.exec);
      this.built.set(id, keyring);
    }
    return keyring;
  }

  async remove(): Promise<void> {
    await Promise.all([...this.dirs].map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

export async function prepareSigning(step: ContainerStep, exec: Exec, keyrings: TrustedKeyrings): Promise<void> {
  if (step.signing) {
    await copyTree(step.signing.gnupgHome, step.signing.copy);
    await chmod(step.signing.copy, 0o700);
    await mkdir(step.signing.lockDir, { recursive: true });
    await chmod(step.signing.lockDir, 0o1777);
  }
  if (!step.etcPortage.trust) return;
  const keyring = await keyrings.get(step.etcPortage.trust, path.dirname(step.workDir));
  const home = path.join(step.etcPortage.to, "gnupg");
  if (await exists(home)) await trustIn(home, keyring, exec);
  else await copyTree(keyring.home, home);
}

/** The full fingerprint of a key given by fingerprint or long id, from `--with-colons` output. */
export function parseFingerprint(colons: string): string | null {
  const lines = colons.split("\n");
  const pub = lines.findIndex((line) => line.startsWith("pub:"));
  if (pub === -1) return null;
  const fpr = lines.slice(pub + 1).find((line) => line.startsWith("fpr:"));
  return fpr?.split(":")[9] || null;
}

async function buildKeyring(trust: TrustedKey, dir: string, exec: Exec): Promise<BuiltKeyring> {
  const listed = await runChecked(exec, ["gpg", "--homedir", trust.gnupgHome, ...READ_ONLY, "--with-colons", "--fingerprint", trust.key]);
  const fingerprint = parseFingerprint(listed.stdout);
  if (!fingerprint) throw new Error(`the signing key ${trust.key} is not in ${trust.gnupgHome}: check signing.key with gpg --homedir ${trust.gnupgHome} --list-secret-keys`);
  const home = path.join(dir, "gnupg");
  await mkdir(home, { recursive: true, mode: 0o755 });
  // An existing common.conf keeps GnuPG 2.4 from switching a new home to keyboxd, which an
  // unprivileged reader of a read-only /etc/portage/gnupg could not start.
  await writeFile(path.join(home, "common.conf"), "");
  // A keyring file is a plain sequence of OpenPGP packets: gpg reads pubring.gpg where there is no
  // pubring.kbx, so the export can be the keyring itself.
  const keyFile = path.join(dir, "signing-key.gpg");
  await runChecked(exec, ["gpg", "--homedir", trust.gnupgHome, ...READ_ONLY, "--yes", "--output", keyFile, "--export", fingerprint]);
  await copyFile(keyFile, path.join(home, "pubring.gpg"));
  const keyring = { fingerprint, keyFile, home };
  await trustIn(home, keyring, exec, false);
  return keyring;
}

/**
 * Portage accepts a binpkg signature only from a fully or ultimately trusted key (lib/portage/gpkg.py,
 * _check_gpg_status), verifying as GPG_VERIFY_USER_DROP=nobody with --no-auto-check-trustdb: so the key
 * gets ultimate owner trust, the trust database is brought up to date, and the keyring is made readable
 * for everyone (it holds public keys only).
 */
async function trustIn(home: string, keyring: BuiltKeyring, exec: Exec, importKey = true): Promise<void> {
  if (importKey) await importInto(exec, home, keyring.keyFile);
  await runChecked(exec, ["gpg", "--homedir", home, ...OWN, "--import-ownertrust"], { input: `${keyring.fingerprint}:6:\n` });
  await runChecked(exec, ["gpg", "--homedir", home, ...OWN, "--check-trustdb"]);
  await makeReadable(home);
}

/** gpg exits 2 when it cannot reach an agent, even though a public key import needs none. */
async function importInto(exec: Exec, home: string, keyFile: string): Promise<void> {
  const result = await exec.run(["gpg", "--homedir", home, ...OWN, "--import", keyFile]);
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
