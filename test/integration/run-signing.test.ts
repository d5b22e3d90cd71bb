// Signing with a real GnuPG key: build containers get exactly Portage's signing settings, a lock
// directory and a verification keyring that Portage's check (as nobody) accepts; the secret key never
// reaches PKGDIR, a log, or a container that does not sign.
import assert from "node:assert/strict";
import { chmod, cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { nodeExec, runChecked } from "../../src/exec/exec.js";
import { leakGuard } from "./harness/leak-guard.js";
import { integrationSuite } from "./harness/suite.js";
import { configText, createWorld, readRecords, runCli } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

async function makeKey(dir: string): Promise<{ home: string; fingerprint: string; secret: Buffer[] }> {
  const home = await mkdtemp(path.join(dir, "gnupg-"));
  await runChecked(nodeExec, ["gpg", "--homedir", home, "--batch", "--passphrase", "", "--quick-gen-key", "binpkgbot test <test@example.invalid>", "ed25519", "sign", "never"]);
  const listed = await runChecked(nodeExec, ["gpg", "--homedir", home, "--batch", "--with-colons", "--list-secret-keys"]);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listed.stdout)?.[1] ?? "";
  const keys = path.join(home, "private-keys-v1.d");
  const secret = await Promise.all((await readdir(keys)).map((name) => readFile(path.join(keys, name))));
  await nodeExec.run(["gpgconf", "--homedir", home, "--kill", "all"]);
  return { home, fingerprint, secret };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

test("signing: settings, lock directory and a trusted keyring in build containers; no secret anywhere else", { skip }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const key = await makeKey(world.root);
  await writeFile(world.config, configText(world, [
    `signing: {key: '${key.fingerprint}', gnupg_home: ${key.home}}`,
    "tasks:",
    "  - install: app-misc/signed",
    "  - run:",
    "      persist: false",
    "      script:",
    "        - test -d /run/lock && test -w /run/lock && echo lock-dir-ok",
    "        - cp -a /etc/portage/gnupg /var/log/emerge-double/keyring",
    "        - ls /run/binpkgbot/signing-gnupg > /var/log/emerge-double/signing-home.txt",
    "",
  ].join("\n")));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /\] lock-dir-ok$/m);

  const [sync, build] = await readRecords(world);
  assert.deepEqual(sync?.argv, ["--sync"]);
  assert.ok(sync?.env.includes("FEATURES=buildpkg"), "the sync container does not sign");
  assert.ok(!sync?.env.some((line) => line.startsWith("BINPKG_GPG_SIGNING")));
  for (const line of ["FEATURES=buildpkg binpkg-signing", `BINPKG_GPG_SIGNING_KEY=${key.fingerprint}`, "BINPKG_GPG_SIGNING_GPG_HOME=/run/binpkgbot/signing-gnupg"]) {
    assert.ok(build?.env.includes(line), `the build container has ${line}`);
  }
  assert.match(await readFile(path.join(world.record, "signing-home.txt"), "utf8"), /private-keys-v1\.d/);

  // Portage's verification: as nobody, against /etc/portage/gnupg, only full or ultimate trust counts.
  // The keyring and the signed file go where nobody can reach them (the test's own directories cannot).
  const open = await mkdtemp(path.join(tmpdir(), "binpkgbot-verify-"));
  t.after(() => rm(open, { recursive: true, force: true }));
  await chmod(open, 0o755);
  await cp(path.join(world.record, "keyring"), path.join(open, "keyring"), { recursive: true });
  const data = path.join(open, "data");
  await writeFile(data, "a binpkg's manifest\n", { mode: 0o644 });
  await runChecked(nodeExec, ["gpg", "--homedir", key.home, "--batch", "--yes", "--local-user", key.fingerprint, "--detach-sign", "--armor", data]);
  await nodeExec.run(["gpgconf", "--homedir", key.home, "--kill", "all"]);
  const verified = await nodeExec.run([
    "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "gpg", "--homedir", path.join(open, "keyring"),
    "--verify", "--batch", "--no-tty", "--no-auto-check-trustdb", "--status-fd", "1", `${data}.asc`, data,
  ]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /^\[GNUPG:\] GOODSIG /m);
  assert.match(verified.stdout, /^\[GNUPG:\] TRUST_(ULTIMATE|FULLY)/m);

  const exposed = [...(await filesUnder(world.pkgdir)), ...(await filesUnder(world.stateDir)), ...(await filesUnder(world.record))];
  assert.ok(exposed.length > 0);
  for (const file of exposed) {
    const content = await readFile(file);
    for (const secret of key.secret) assert.equal(content.includes(secret), false, `${file} holds the secret key`);
  }
  assert.match(result.stdout, new RegExp(`install-app-misc-signed\\s+succeeded`));
});

test("signing with an etc_portage that has a keyring of its own: both keys are there, ours trusted", { skip }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const key = await makeKey(world.root);
  const other = await makeKey(world.root);
  // Like a getuto keyring: the admin's /etc/portage/gnupg already trusts another binhost's key.
  const exported = path.join(world.root, "other.asc");
  await runChecked(nodeExec, ["gpg", "--homedir", other.home, "--batch", "--armor", "--output", exported, "--export", other.fingerprint]);
  const adminKeyring = path.join(world.etcPortage, "gnupg");
  await runChecked(nodeExec, ["mkdir", "-m", "700", adminKeyring]);
  await nodeExec.run(["gpg", "--homedir", adminKeyring, "--batch", "--no-autostart", "--import", exported]);
  const before = await readFile(path.join(adminKeyring, "pubring.kbx"));
  await writeFile(world.config, configText(world, [
    `signing: {key: '${key.fingerprint}', gnupg_home: ${key.home}}`,
    "sync: false",
    "tasks:",
    "  - run: {persist: false, script: 'cp -a /etc/portage/gnupg /var/log/emerge-double/keyring'}",
    "",
  ].join("\n")));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.deepEqual(await readFile(path.join(adminKeyring, "pubring.kbx")), before, "the admin's keyring is not changed");
  const listed = await runChecked(nodeExec, ["gpg", "--homedir", path.join(world.record, "keyring"), "--batch", "--no-autostart", "--with-colons", "--list-keys"]);
  for (const fingerprint of [key.fingerprint, other.fingerprint]) assert.match(listed.stdout, new RegExp(`^fpr:+${fingerprint}:`, "m"));
  assert.match(listed.stdout, /^pub:u:/m, "the signing key is ultimately trusted");
  await nodeExec.run(["gpgconf", "--homedir", path.join(world.record, "keyring"), "--kill", "all"]);
  await nodeExec.run(["gpgconf", "--homedir", adminKeyring, "--kill", "all"]);
});
