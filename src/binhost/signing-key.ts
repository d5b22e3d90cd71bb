// The binhost's public signing key: its fingerprint, which a client checks before trusting it
// (client-config prints the check). gpg reads the key file in a throw-away home, so neither the
// caller's keyring nor the signing keyring is touched.
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SigningSettings } from "../config/config.js";
import type { Exec } from "../exec/exec.js";

/** The key file cannot be read as exactly one OpenPGP public key. */
export class SigningKeyError extends Error {
  override readonly name = "SigningKeyError";
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type PublicKeyInfo = { path: string; fingerprint: string };

export async function readPublicKey(exec: Exec, file: string): Promise<PublicKeyInfo> {
  const fix = `export it with: gpg --homedir GNUPG_HOME --armor --export KEY > ${file}`;
  await stat(file).catch((error: unknown) => {
    throw new SigningKeyError(`cannot read the public key ${file}: ${(error as Error).message}; ${fix}`, file, { cause: error });
  });
  const home = await mkdtemp(path.join(tmpdir(), "binpkgbot-gpg-"));
  try {
    const argv = ["gpg", "--batch", "--no-tty", "--homedir", home, "--with-colons", "--show-keys", file];
    const result = await exec.run(argv).catch((error: unknown) => {
      throw new SigningKeyError(`cannot run gpg to read ${file}: ${(error as Error).message}; install gnupg`, file, { cause: error });
    });
    if (result.code !== 0) throw new SigningKeyError(`gpg cannot read ${file} as a public key: ${result.stderr.trim()}; ${fix}`, file);
    const fingerprints = parsePrimaryFingerprints(result.stdout);
    if (fingerprints.length !== 1) {
      throw new SigningKeyError(`${file} holds ${fingerprints.length} keys; it must hold exactly the signing key: ${fix}`, file);
    }
    return { path: file, fingerprint: fingerprints[0] ?? "" };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** A public key exported from the signing keyring into a temporary file, removed by `remove()`. */
export type ExportedPublicKey = PublicKeyInfo & { remove(): Promise<void> };

/**
 * Exports the public half of the config's signing key (`signing: {key, gnupg_home}`), so the
 * binhost can publish it. Only the public key leaves the keyring; the file is the caller's to remove.
 */
export async function exportPublicKey(exec: Exec, signing: SigningSettings): Promise<ExportedPublicKey> {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-key-"));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const argv = ["gpg", "--batch", "--no-tty", "--homedir", signing.gnupgHome, "--armor", "--export-options", "export-minimal", "--export", signing.key];
    const result = await exec.run(argv);
    if (result.code !== 0 || result.stdout.trim() === "") {
      const fix = `check signing.key and signing.gnupg_home in the config: gpg --homedir ${signing.gnupgHome} --list-keys ${signing.key}`;
      throw new SigningKeyError(`cannot export the public key ${signing.key} from ${signing.gnupgHome}: ${result.stderr.trim() || "no such key"}; ${fix}`, signing.gnupgHome);
    }
    const file = path.join(dir, "binhost-key.asc");
    await writeFile(file, result.stdout, { mode: 0o644 });
    return { ...(await readPublicKey(exec, file)), remove };
  } catch (error) {
    await remove();
    if (error instanceof SigningKeyError) throw error;
    throw new SigningKeyError(`cannot export the public key ${signing.key}: ${(error as Error).message}`, signing.gnupgHome, { cause: error });
  }
}

/**
 * The fingerprints of the primary keys in `gpg --with-colons` output: the first `fpr` record after
 * each `pub` record (gnupg doc/DETAILS, "Format of the colon listings", field 10).
 */
export function parsePrimaryFingerprints(colons: string): string[] {
  const fingerprints: string[] = [];
  let wantPrimary = false;
  for (const line of colons.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === "pub") wantPrimary = true;
    else if (fields[0] === "fpr" && wantPrimary) {
      fingerprints.push(fields[9] ?? "");
      wantPrimary = false;
    }
  }
  return fingerprints;
}
