// Whether the configured signing key can sign unattended, as Portage will ask it to inside a build.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SigningSettings } from "../config/config.js";
import { copyTree } from "../engine/copy-tree.js";
import type { Exec } from "../exec/exec.js";
import { quoteWord } from "../plan/render-plan.js";
import type { Finding } from "./finding.js";

export interface SigningFacts {
  key: string;
  gnupgHome: string;
  /** null: it signed; otherwise gpg's last words. */
  failure: string | null;
}

/**
 * Signs a few bytes with the key in a throw-away copy of the GnuPG home, with --pinentry-mode error:
 * a key that needs a passphrase fails here instead of hanging a build (no one can type it there).
 */
export async function readSigningFacts(signing: SigningSettings, exec: Exec): Promise<SigningFacts> {
  const scratch = await mkdtemp(path.join(tmpdir(), "binpkgbot-doctor-"));
  const home = path.join(scratch, "gnupg");
  try {
    await copyTree(signing.gnupgHome, home);
    const result = await exec.run(
      ["gpg", "--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "error", "--local-user", signing.key, "--output", "-", "--detach-sign"],
      { input: "binpkgbot doctor\n" },
    );
    const failure = result.code === 0 ? null : (result.stderr.trim().split("\n").at(-1) ?? `gpg exited ${result.code}`);
    return { key: signing.key, gnupgHome: signing.gnupgHome, failure };
  } catch (error) {
    return { key: signing.key, gnupgHome: signing.gnupgHome, failure: error instanceof Error ? error.message : String(error) };
  } finally {
    await exec.run(["gpgconf", "--homedir", home, "--kill", "all"]).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}

export function checkSigning(facts: SigningFacts | null, configFile: string): Finding[] {
  if (facts === null) return [];
  const subject = `signing key ${facts.key}`;
  if (facts.failure === null) return [{ level: "ok", subject, message: `signs without a passphrase prompt from ${facts.gnupgHome}` }];
  return [{
    level: "problem", subject, message: `cannot sign unattended from ${facts.gnupgHome}: ${facts.failure}`,
    fix: `use a key without a passphrase for the binhost (gpg --homedir ${quoteWord(facts.gnupgHome)} --quick-gen-key 'binhost <root@localhost>' ed25519 sign never, with an empty passphrase) and set signing.key in ${configFile}`,
  }];
}
