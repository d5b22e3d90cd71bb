// Runs the `--format script` set-up against a scratch ROOT with a real key served by the
// binhost, twice, then verifies a signature the way Portage does: as nobody:nogroup
// (GPG_VERIFY_USER_DROP, cnf/make.globals) with BINPKG_GPG_VERIFY_BASE_COMMAND's options,
// accepting only GOODSIG with full or ultimate trust (gpkg.py _check_gpg_status).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, lstatSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { nodeExec } from "../../src/exec/exec.js";
import { startBinhost, type RunningBinhost } from "../../src/server/binhost.js";
import { renderClientConfig } from "../../src/server/client-config.js";
import { PUBLIC_KEY_URL_PATH } from "../../src/server/request-path.js";

const missing = ["sh", "gpg", "gpgconf", "setpriv", "curl"].filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
const skip = process.getuid?.() !== 0 ? "needs root (setpriv to nobody)" : missing.length ? `missing ${missing.join(", ")}` : false;

let work: string;
let signerHome: string;
let fingerprint: string;
let binhost: RunningBinhost;

// Asynchronous: the script fetches the key from the binhost running in this very process.
async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await nodeExec.run(argv, { env, signal: AbortSignal.timeout(60_000) });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

async function mustRun(argv: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(argv, env);
  assert.equal(r.status, 0, `${argv.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Paths, types, modes and contents of a tree, so any change a run makes shows. */
function hashTree(dir: string): string {
  const hash = createHash("sha256");
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = join(dir, rel, name);
      const st = lstatSync(path);
      hash.update(`${join(rel, name)} ${st.mode.toString(8)}\n`);
      if (st.isDirectory()) walk(join(rel, name));
      else if (st.isFile()) hash.update(readFileSync(path));
    }
  };
  walk("");
  return hash.digest("hex");
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), "binpkgbot-client-"));
  chmodSync(work, 0o755);
  signerHome = join(work, "signer");
  await mustRun(["mkdir", "-m", "700", signerHome]);
  const gpg = ["gpg", "--homedir", signerHome, "--batch"];
  await mustRun([...gpg, "--passphrase", "", "--quick-gen-key", "binhost test <binhost@localhost>", "ed25519", "sign", "never"]);
  fingerprint = /^fpr:::::::::([0-9A-F]+):/m.exec(await mustRun([...gpg, "--with-colons", "--list-keys"]))![1]!;
  const keyPath = join(work, "key.asc");
  writeFileSync(keyPath, await mustRun([...gpg, "--armor", "--export", fingerprint]));
  writeFileSync(join(work, "data"), "a binpkg stand-in\n");
  await mustRun([...gpg, "--detach-sign", "--output", join(work, "data.sig"), join(work, "data")]);
  await mustRun(["mkdir", join(work, "pkgdir")]);
  binhost = await startBinhost({ pkgdir: join(work, "pkgdir"), publicKeyPath: keyPath, log: () => {} });
});

after(async () => {
  if (skip) return;
  await binhost?.close();
  await run(["gpgconf", "--homedir", signerHome, "--kill", "gpg-agent"]);
  rmSync(work, { recursive: true, force: true });
});

test("the set-up script is idempotent and leaves a keyring nobody can verify with", { skip }, async () => {
  const root = join(work, "root");
  await mustRun(["mkdir", "-p", join(root, "etc/portage")]);
  const makeConf = join(root, "etc/portage/make.conf");
  writeFileSync(makeConf, 'COMMON_FLAGS="-O2 -pipe"\n');
  const script = join(work, "setup.sh");
  writeFileSync(script, renderClientConfig({
    url: binhost.url,
    name: "home-lab",
    signingKey: { fingerprint, publicKeyUrl: binhost.url + PUBLIC_KEY_URL_PATH },
  }, "script"));
  const env = { ...process.env, ROOT: root };

  const first = await run(["sh", script], env);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /trusted: key/);
  const afterFirst = hashTree(root);
  const second = await run(["sh", script], env);
  assert.equal(second.status, 0, second.stderr);
  assert.doesNotMatch(second.stdout, /written:|trusted:/);
  assert.equal(hashTree(root), afterFirst, "second run changed the scratch root");

  const conf = readFileSync(makeConf, "utf8");
  assert.ok(conf.startsWith('COMMON_FLAGS="-O2 -pipe"\n'), "existing make.conf content kept");
  assert.equal(conf.split("# BEGIN binpkgbot home-lab").length, 2, "one marker block");
  assert.match(readFileSync(join(root, "etc/portage/binrepos.conf/home-lab.conf"), "utf8"), /^verify-signature = true$/m);

  // Portage verifies as nobody: data and signature must be readable by it.
  for (const name of ["data", "data.sig"]) copyFileSync(join(work, name), join(root, name));
  const status = await verifyAsNobody(root, "data");
  assert.match(status, /^\[GNUPG:\] GOODSIG /m);
  assert.match(status, /^\[GNUPG:\] TRUST_(FULLY|ULTIMATE)/m);

  writeFileSync(join(root, "data"), "tampered\n");
  assert.doesNotMatch(await verifyAsNobody(root, "data", false), /GOODSIG/);
  await assertNoAgentLeft(root);
});

test("a changed marker block is replaced in place, the rest of make.conf untouched", { skip }, async () => {
  const root = join(work, "root-block");
  await mustRun(["mkdir", "-p", join(root, "etc/portage")]);
  const makeConf = join(root, "etc/portage/make.conf");
  const before = 'A="1"\n# BEGIN binpkgbot lab\nFEATURES="stale"\n# END binpkgbot lab\nB="2"\n';
  writeFileSync(makeConf, before);
  const script = join(work, "setup-unsigned.sh");
  writeFileSync(script, renderClientConfig({ url: binhost.url, name: "lab" }, "script"));
  const r = await run(["sh", script], { ...process.env, ROOT: root });
  assert.equal(r.status, 0, r.stderr);
  const conf = readFileSync(makeConf, "utf8");
  assert.ok(conf.startsWith('A="1"\n# BEGIN binpkgbot lab\n'));
  assert.ok(conf.endsWith('# END binpkgbot lab\nB="2"\n'));
  assert.doesNotMatch(conf, /stale/);
  assert.match(conf, /--binpkg-respect-use=y/);
  assert.match(readFileSync(join(root, "etc/portage/binrepos.conf/lab.conf"), "utf8"), /^verify-signature = false$/m);
});

async function verifyAsNobody(root: string, dataName: string, expectSuccess = true): Promise<string> {
  const home = join(root, "etc/portage/gnupg");
  const r = await run([
    "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
    "gpg", "--homedir", home, "--verify", "--batch", "--no-tty", "--no-auto-check-trustdb", "--status-fd", "1",
    join(root, `${dataName}.sig`), join(root, dataName),
  ]);
  assert.equal(r.status === 0, expectSuccess, `gpg --verify as nobody exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

async function assertNoAgentLeft(root: string): Promise<void> {
  const ps = await mustRun(["ps", "-eo", "args"]);
  assert.ok(!ps.split("\n").some((line) => line.includes("gpg-agent") && line.includes(root)), "gpg-agent left running");
}
