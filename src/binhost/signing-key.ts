// The binhost's public signing key: its fingerprint, which a client checks before trusting it
// (client-config prints the check). gpg reads the key file in a throw-away home, so neither the
// caller's keyring nor the signing keyring is touched.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
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
