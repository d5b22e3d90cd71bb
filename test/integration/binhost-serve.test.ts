// `binpkgbot serve` as a real process on 127.0.0.1 (port 0: the system picks a free one), and the
// client set-up `binpkgbot client-config` prints for it, checked with `sh -n`.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../support/fixtures.js";

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");
const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-serve-"));
const pkgdir = path.join(dir, "packages");
const gnupgHome = path.join(dir, "gnupg");
const keyFile = path.join(dir, "binhost-key.asc");
const gpgMissing = spawnSync("gpg", ["--version"]).status !== 0;
let fingerprint = "";
const children: ChildProcessWithoutNullStreams[] = [];

function writeConfig(name: string, extra: string[] = []): string {
  const file = path.join(dir, name);
  writeFileSync(file, [
    `stage: ${dir}/stage`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${dir}/gentoo`, `pkgdir: ${pkgdir}`,
    `state_dir: ${dir}/state`, "sync: false", ...extra, "tasks:", "  - install: {atom: app-misc/foo, name: foo}", "",
  ].join("\n"));
  return file;
}
const configFile = writeConfig("binpkgbot.yml");

before(() => {
  mkdirSync(pkgdir);
  writeFileSync(path.join(pkgdir, "Packages"), "ARCH: amd64\nPACKAGES: 0\nTIMESTAMP: 1700000000\nVERSION: 0\n\n");
  if (gpgMissing) return;
  mkdirSync(gnupgHome, { mode: 0o700 });
  const gpg = ["--homedir", gnupgHome, "--batch", "--no-tty"];
  assert.equal(spawnSync("gpg", [...gpg, "--passphrase", "", "--quick-gen-key", "binhost <binhost@localhost>", "ed25519", "sign", "never"]).status, 0);
  const listing = spawnSync("gpg", [...gpg, "--with-colons", "--list-keys"], { encoding: "utf8" }).stdout;
  fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1] ?? "";
  writeFileSync(keyFile, spawnSync("gpg", [...gpg, "--armor", "--export", fingerprint], { encoding: "utf8" }).stdout);
});

after(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (!gpgMissing) spawnSync("gpgconf", ["--homedir", gnupgHome, "--kill", "all"]);
  rmSync(dir, { recursive: true, force: true });
});

type Served = { child: ChildProcessWithoutNullStreams; url: string; stdout: () => string; exited: Promise<number | null> };

/** Starts serve and resolves once it prints the URL it listens at. */
async function startServe(...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [cli, "serve", ...args], { stdio: "pipe" });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    // The banner ends with the client set-up line; it may arrive in more than one chunk.
    const url = /^set up a client with: /m.test(stdout) ? /^serving .* at (http:\/\/127\.0\.0\.1:\d+) /m.exec(stdout)?.[1] : undefined;
    if (url !== undefined) return { child, url, stdout: () => stdout, exited };
    if (child.exitCode !== null || Date.now() > deadline) assert.fail(`serve did not start (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function binpkgbot(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("binpkgbot serve", () => {
  it("serves Packages, logs the request and exits 0 on SIGTERM", async () => {
    const served = await startServe("-c", configFile, "--listen", "127.0.0.1:0");
    const response = await fetch(`${served.url}/Packages`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), readFileSync(path.join(pkgdir, "Packages"), "utf8"));
    assert.equal((await fetch(`${served.url}/binhost-key.asc`)).status, 404, "no key configured");
    assert.match(served.stdout(), new RegExp(`set up a client with: binpkgbot client-config --url ${served.url} -c ${configFile} --format script`));
    served.child.kill("SIGTERM");
    assert.equal(await served.exited, 0);
    assert.match(served.stdout(), /"GET \/Packages HTTP\/1\.1" 200 /);
    assert.match(served.stdout(), /^binhost stopped$/m);
  });

  it("publishes the public key given with --public-key, or the config's signing key", { skip: gpgMissing && "needs gpg" }, async () => {
    const signed = writeConfig("signed.yml", ["signing:", `  key: ${fingerprint}`, `  gnupg_home: ${gnupgHome}`]);
    for (const args of [["-c", configFile, "--public-key", keyFile], ["-c", signed]]) {
      const served = await startServe(...args, "--listen", "127.0.0.1:0");
      assert.match(served.stdout(), new RegExp(`^signing key ${fingerprint} at ${served.url}/binhost-key\\.asc$`, "m"));
      const key = await fetch(`${served.url}/binhost-key.asc`);
      assert.equal(key.status, 200);
      assert.match(await key.text(), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
      served.child.kill("SIGINT");
      assert.equal(await served.exited, 0);
    }
  });

  it("refuses a bad --listen and an address in use", async () => {
    const bad = binpkgbot("serve", "-c", configFile, "--listen", "::1:8736");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--listen ::1:8736: write an IPv6 address in brackets/);
    const served = await startServe("-c", configFile, "--listen", "127.0.0.1:0");
    const busy = binpkgbot("serve", "-c", configFile, "--listen", served.url.replace("http://", ""));
    assert.equal(busy.code, 4);
    assert.match(busy.stderr, /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE.*choose another --listen/);
    served.child.kill("SIGTERM");
    assert.equal(await served.exited, 0);
  });
});

describe("binpkgbot serve limits", () => {
  it("names a bad limit flag, and applies a good one", async () => {
    const bad = binpkgbot("serve", "-c", configFile, "--max-connections", "many", "--send-timeout", "0");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-connections: "many" must be a whole number of at least 1; --send-timeout: "0" must be a whole number of milliseconds/);
    const served = await startServe("-c", configFile, "--listen", "127.0.0.1:0", "--max-connections-per-address", "1");
    const { port } = new URL(served.url);
    const first = net.connect(Number(port), "127.0.0.1");
    await once(first, "connect");
    const second = net.connect(Number(port), "127.0.0.1");
    second.on("error", () => {});
    await once(second, "close"); // closed by the server: one connection per address
    first.destroy();
    served.child.kill("SIGTERM");
    assert.equal(await served.exited, 0);
  });
});

describe("binpkgbot client-config", () => {
  const shellOk = (script: string): void => {
    const check = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
    assert.equal(check.status, 0, check.stderr);
  };

  it("--format script without a config is a valid sh script", () => {
    const result = binpkgbot("client-config", "--url", "http://127.0.0.1:8736", "--name", "lab", "--format", "script", "-c", path.join(dir, "none.yml"));
    assert.equal(result.code, 3, "a config named with -c must exist");
    const withoutConfig = spawnSync(process.execPath, [cli, "client-config", "--url", "http://127.0.0.1:8736", "--name", "lab", "--format", "script"], { cwd: dir + "/packages", encoding: "utf8" });
    assert.equal(withoutConfig.status, 0, withoutConfig.stderr);
    assert.match(withoutConfig.stdout, /^#!\/bin\/sh\n/);
    assert.match(withoutConfig.stdout, /sync-uri = http:\/\/127\.0\.0\.1:8736/);
    shellOk(withoutConfig.stdout);
  });

  it("includes the key fingerprint from --public-key or from the config's signing key", { skip: gpgMissing && "needs gpg" }, () => {
    const signed = writeConfig("signed-client.yml", ["signing:", `  key: ${fingerprint}`, `  gnupg_home: ${gnupgHome}`]);
    for (const args of [["-c", configFile, "--public-key", keyFile], ["-c", signed]]) {
      const script = binpkgbot("client-config", "--url", "http://binhost.lan:8736", "--format", "script", ...args);
      assert.equal(script.code, 0, script.stderr);
      assert.ok(script.stdout.includes(fingerprint), "the script checks the fingerprint");
      assert.ok(script.stdout.includes("http://binhost.lan:8736/binhost-key.asc"));
      shellOk(script.stdout);
      const text = binpkgbot("client-config", "--url", "http://binhost.lan:8736", ...args);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^# 3\. Trust the signing key/m);
    }
  });

  it("names the flag that is wrong", () => {
    const missing = binpkgbot("client-config", "-c", configFile);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--url is required/);
    const bad = binpkgbot("client-config", "-c", configFile, "--url", "ftp://x", "--name", "a b");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--name: "a b" must match .*; --url: "ftp:\/\/x" must be an http/);
    assert.equal(binpkgbot("client-config", "-c", configFile, "--url", "http://x", "--format", "yaml").code, 2);
  });
});
