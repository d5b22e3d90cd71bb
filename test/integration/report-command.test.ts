// `binpkgbot report --root TREE` against a real report endpoint: what a server's tree becomes on
// the build host. A stand-in emerge on PATH prints `emerge --info` in Portage's shape and records
// its arguments; without one the report still goes, saying that emerge is missing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { nodeExec } from "../../src/exec/exec.js";
import { startBinhost, type RunningBinhost } from "../../src/server/binhost.js";
import { createReportReceiver } from "../../src/server/report-endpoint.js";
import { repoRoot } from "../support/fixtures.js";

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");
const TOKEN = "fedcba9876543210fedcba9876543210";
const PROFILE_LINK = "../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0";

let work: string;
let root: string;
let stateDir: string;
let fakeBin: string;
let binhost: RunningBinhost;

/** A server's tree: the things a report must send, and the things it must never send. */
function makeServerTree(dir: string): void {
  const etc = path.join(dir, "etc/portage");
  mkdirSync(path.join(etc, "package.use"), { recursive: true });
  mkdirSync(path.join(etc, "sets"));
  mkdirSync(path.join(etc, "gnupg/private-keys-v1.d"), { recursive: true });
  mkdirSync(path.join(dir, "var/lib/portage"), { recursive: true });
  writeFileSync(path.join(etc, "make.conf"), 'USE="ssl -X"\nCFLAGS="-O2 -pipe"\n');
  writeFileSync(path.join(etc, "package.use/web"), "www-servers/nginx http2\n");
  writeFileSync(path.join(etc, "sets/web"), "www-servers/nginx\n");
  writeFileSync(path.join(etc, "gnupg/pubring.kbx"), "keyring");
  writeFileSync(path.join(etc, "gnupg/private-keys-v1.d/ABC.key"), "secret");
  writeFileSync(path.join(etc, "signing.pem"), "named like a key");
  writeFileSync(path.join(etc, "notes"), "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n");
  symlinkSync(PROFILE_LINK, path.join(etc, "make.profile"));
  symlinkSync("/etc/shadow", path.join(etc, "package.mask"));
  symlinkSync("web", path.join(etc, "package.use/web-again"));
  spawnSync("mkfifo", [path.join(etc, "fifo")]);
  writeFileSync(path.join(dir, "var/lib/portage/world"), "www-servers/nginx\napp-editors/vim\n");
  writeFileSync(path.join(dir, "var/lib/portage/world_sets"), "@web\n");
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "binpkgbot-report-cmd-"));
  root = path.join(work, "server");
  stateDir = path.join(work, "state");
  fakeBin = path.join(work, "bin");
  makeServerTree(root);
  mkdirSync(fakeBin);
  mkdirSync(path.join(work, "empty-bin"));
  // Shaped as lib/_emerge/actions.py action_info prints it.
  writeFileSync(path.join(fakeBin, "emerge"), `#!/bin/sh
printf '%s\\n' "$@" > "${path.join(work, "emerge-args")}"
cat <<'EOF'
Portage 3.0.63 (python 3.12.3-final-0, default/linux/amd64/23.0, gcc-13, glibc-2.39-r6, 6.6.30 x86_64)
=================================================================
System uname: Linux-6.6.30-x86_64-with-glibc2.39
ARCH="amd64"
CFLAGS="-O2 -pipe"
CHOST="x86_64-pc-linux-gnu"
CXXFLAGS="-O2 -pipe"
EOF
`);
  chmodSync(path.join(fakeBin, "emerge"), 0o755);
  writeFileSync(path.join(work, "token"), `${TOKEN}\n`);
  mkdirSync(path.join(work, "pkgdir"));
  const reports = createReportReceiver({ stateDir, servers: () => [{ name: "web1", tokenFile: path.join(work, "token") }] });
  binhost = await startBinhost({ pkgdir: path.join(work, "pkgdir"), log: () => {}, reports });
});

after(async () => {
  await binhost?.close();
  rmSync(work, { recursive: true, force: true });
});

function report(args: string[], pathDirs: string) {
  // Asynchronous: the endpoint answering it runs in this very process.
  return nodeExec.run([process.execPath, cli, "report", ...args], { env: { PATH: pathDirs }, signal: AbortSignal.timeout(60_000) });
}

const copy = (...parts: string[]): string => path.join(stateDir, "servers", "web1", ...parts);

describe("binpkgbot report --root", () => {
  it("sends /etc/portage, world and world_sets and emerge --info facts; never gnupg, keys, FIFOs or links out", async () => {
    const r = await report(["--to", binhost.url, "--name", "web1", "--token-file", path.join(work, "token"), "--root", root], `${fakeBin}:/usr/bin:/bin`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^200 stored the report of web1: /);
    assert.equal(readFileSync(copy("etc/portage/make.conf"), "utf8"), 'USE="ssl -X"\nCFLAGS="-O2 -pipe"\n');
    assert.equal(readFileSync(copy("etc/portage/package.use/web"), "utf8"), "www-servers/nginx http2\n");
    assert.equal(readFileSync(copy("etc/portage/sets/web"), "utf8"), "www-servers/nginx\n");
    assert.equal(readFileSync(copy("var/lib/portage/world"), "utf8"), "www-servers/nginx\napp-editors/vim\n");
    assert.equal(readFileSync(copy("var/lib/portage/world_sets"), "utf8"), "@web\n");
    assert.equal(readlinkSync(copy("etc/portage/package.use/web-again")), "web", "a link inside stays a link");
    for (const never of ["etc/portage/gnupg", "etc/portage/signing.pem", "etc/portage/notes", "etc/portage/fifo", "etc/portage/make.profile", "etc/portage/package.mask"]) {
      assert.equal(lstatSync(copy(never), { throwIfNoEntry: false }), undefined, `${never} is not in the copy`);
    }
    const facts = JSON.parse(readFileSync(copy("report.json"), "utf8")) as {
      emergeInfo: Record<string, unknown>; links: { path: string; target: string }[]; skipped: { path: string; reason: string }[];
    };
    assert.deepEqual(facts.emergeInfo, { ok: true, portage: "3.0.63", profile: "default/linux/amd64/23.0", chost: "x86_64-pc-linux-gnu", arch: "amd64", cflags: "-O2 -pipe", cxxflags: "-O2 -pipe" });
    assert.deepEqual(facts.links, [{ path: "etc/portage/make.profile", target: PROFILE_LINK }, { path: "etc/portage/package.mask", target: "/etc/shadow" }]);
    assert.deepEqual(facts.skipped.map((s) => s.path).sort(), ["etc/portage/fifo", "etc/portage/gnupg", "etc/portage/notes", "etc/portage/signing.pem"]);
    assert.match(r.stderr, /not sent: \/etc\/portage\/notes: it holds a private key/);
    // emerge --info read the tree's configuration, not the host's (lib/_emerge/main.py --config-root).
    assert.deepEqual(readFileSync(path.join(work, "emerge-args"), "utf8").trim().split("\n"), ["--info", "--config-root", root]);
  });

  it("without emerge on PATH still reports, and says so on stderr and in report.json", async () => {
    const r = await report(["--to", binhost.url, "--name", "web1", "--token-file", path.join(work, "token"), "--root", root], path.join(work, "empty-bin"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: cannot run emerge .*emerge is not installed or not on PATH/m);
    const facts = JSON.parse(readFileSync(copy("report.json"), "utf8")) as { emergeInfo: { ok: boolean; problem: string } };
    assert.equal(facts.emergeInfo.ok, false);
    assert.match(facts.emergeInfo.problem, /not installed or not on PATH/);
  });

  it("a wrong token: exit 4 with the build host's one-line answer", async () => {
    writeFileSync(path.join(work, "wrong"), "0000000000000000000000000000000000\n");
    const r = await report(["--to", binhost.url, "--name", "web1", "--token-file", path.join(work, "wrong"), "--root", root], `${fakeBin}:/usr/bin:/bin`);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^binpkgbot: http:\/\/127\.0\.0\.1:\d+ refused the report: 403 the token is not the one of server web1/m);
  });

  it("nothing listening: exit 4 saying so", async () => {
    const r = await report(["--to", "http://127.0.0.1:9", "--name", "web1", "--token-file", path.join(work, "token"), "--root", root], `${fakeBin}:/usr/bin:/bin`);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /cannot send the report to http:\/\/127\.0\.0\.1:9: .*is binpkgbot serve running there/);
  });

  it("serve refuses a --max-report-size that is not a byte count", async () => {
    const r = await nodeExec.run([process.execPath, cli, "serve", "--max-report-size", "12k"], { signal: AbortSignal.timeout(30_000) });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--max-report-size: "12k" must be a whole number of bytes of at least 1024/);
  });

  it("missing flags and a root without /etc/portage are clear errors", async () => {
    const usage = await report(["--to", binhost.url], `${fakeBin}:/usr/bin:/bin`);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /report needs --name, --token-file/);
    const noTree = await report(["--to", binhost.url, "--name", "web1", "--token-file", path.join(work, "token"), "--root", path.join(work, "empty-bin")], `${fakeBin}:/usr/bin:/bin`);
    assert.equal(noTree.code, 4);
    assert.match(noTree.stderr, /etc\/portage is not a directory: run binpkgbot report on a Gentoo system, or give --root DIR/);
  });
});
