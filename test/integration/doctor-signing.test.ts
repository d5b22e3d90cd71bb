// doctor tries the signing key the way a build will use it: unattended, no passphrase prompt.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { checkSigning, readSigningFacts } from "../../src/doctor/signing.js";
import { nodeExec, runChecked } from "../../src/exec/exec.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-doctor-signing-"));
after(() => rm(root, { recursive: true, force: true }));

async function keyWithPassphrase(passphrase: string): Promise<{ home: string; key: string }> {
  const home = await mkdtemp(path.join(root, "gnupg-"));
  await runChecked(nodeExec, ["gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase, "--quick-gen-key", "doctor test <t@example.invalid>", "ed25519", "sign", "never"]);
  const listed = await runChecked(nodeExec, ["gpg", "--homedir", home, "--batch", "--with-colons", "--list-secret-keys"]);
  await nodeExec.run(["gpgconf", "--homedir", home, "--kill", "all"]);
  return { home, key: /^fpr:+([0-9A-F]{40}):/m.exec(listed.stdout)?.[1] ?? "" };
}

test("a key without a passphrase signs: ok", async () => {
  const { home, key } = await keyWithPassphrase("");
  const [finding] = checkSigning(await readSigningFacts({ key, gnupgHome: home }, nodeExec), "/etc/binpkgbot/binpkgbot.yml");
  assert.equal(finding?.level, "ok");
  assert.match(finding?.message ?? "", /signs without a passphrase prompt/);
});

test("a key behind a passphrase is a problem with its fix, and doctor does not hang on a prompt", async () => {
  const { home, key } = await keyWithPassphrase("secret");
  const [finding] = checkSigning(await readSigningFacts({ key, gnupgHome: home }, nodeExec), "/etc/binpkgbot/binpkgbot.yml");
  assert.equal(finding?.level, "problem");
  assert.match(finding?.message ?? "", new RegExp(`cannot sign unattended from ${home}`));
  assert.match(finding?.fix ?? "", /use a key without a passphrase/);
});

test("a key that is not there is a problem", async () => {
  const { home } = await keyWithPassphrase("");
  const [finding] = checkSigning(await readSigningFacts({ key: "0123456789ABCDEF0123456789ABCDEF01234567", gnupgHome: home }, nodeExec), "/x.yml");
  assert.equal(finding?.level, "problem");
});
