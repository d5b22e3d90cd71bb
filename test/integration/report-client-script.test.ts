// The set-up script of `client-config --report` run against a scratch ROOT with a real report
// endpoint: the first report lands at set-up, the post_emerge hook is installed beside an admin's
// own lines, running the script again changes nothing on the server, and the hook, run the way
// Portage runs it (lib/_emerge/post_emerge.py: PORTAGE_CONFIGROOT in its environment), sends a
// new report. `binpkgbot` on PATH is this build; emerge is a stand-in printing emerge --info.
import assert from "node:assert/strict";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { nodeExec } from "../../src/exec/exec.js";
import { startBinhost, type RunningBinhost } from "../../src/server/binhost.js";
import { renderClientConfig } from "../../src/server/client-config.js";
import { createReportReceiver } from "../../src/server/report-endpoint.js";
import { repoRoot } from "../support/fixtures.js";

const TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

let work: string;
let bin: string;
let stateDir: string;
let binhost: RunningBinhost;
const landed: string[] = [];

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "binpkgbot-report-script-"));
  bin = path.join(work, "bin");
  stateDir = path.join(work, "state");
  mkdirSync(bin);
  mkdirSync(path.join(work, "pkgdir"));
  writeFileSync(path.join(bin, "binpkgbot"), `#!/bin/sh\nexec '${process.execPath}' '${path.join(repoRoot, "build/src/cli/main.js")}' "$@"\n`);
  writeFileSync(path.join(bin, "emerge"), `#!/bin/sh\nprintf '%s\\n' 'Portage 3.0.63 (python 3.12.3-final-0, default/linux/amd64/23.0, gcc-13, glibc-2.39, 6.6 x86_64)' 'CHOST="x86_64-pc-linux-gnu"'\n`);
  chmodSync(path.join(bin, "binpkgbot"), 0o755);
  chmodSync(path.join(bin, "emerge"), 0o755);
  writeFileSync(path.join(work, "web1.token"), `${TOKEN}\n`);
  const reports = createReportReceiver({
    stateDir, servers: () => [{ name: "web1", tokenFile: path.join(work, "web1.token") }],
    onReport: (stored) => landed.push(readFileSync(path.join(stored.dir, "etc/portage/make.conf"), "utf8")),
  });
  binhost = await startBinhost({ pkgdir: path.join(work, "pkgdir"), log: () => {}, reports });
});

after(async () => {
  await binhost?.close();
  rmSync(work, { recursive: true, force: true });
});

const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ PATH: `${bin}:/usr/bin:/bin`, ...extra });
const run = (argv: string[], extra: Record<string, string>) => nodeExec.run(argv, { env: env(extra), signal: AbortSignal.timeout(60_000) });

test("the --report set-up script installs the token and the post_emerge hook, reports once, and the hook reports after an emerge", async () => {
  const root = path.join(work, "root");
  mkdirSync(path.join(root, "etc/portage/bin"), { recursive: true });
  writeFileSync(path.join(root, "etc/portage/make.conf"), 'USE="first"\n');
  // An admin's own hook, without a final newline: its lines must stay and ours must not join them.
  writeFileSync(path.join(root, "etc/portage/bin/post_emerge"), "#!/bin/sh\necho admin hook");
  const script = path.join(work, "setup.sh");
  writeFileSync(script, renderClientConfig({ url: binhost.url, name: "lab", report: { name: "web1", token: TOKEN } }, "script"));

  const first = await run(["sh", script], { ROOT: root });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^200 stored the report of web1/m);
  const configured = readFileSync(path.join(root, "etc/portage/make.conf"), "utf8");
  assert.match(configured, /^USE="first"\n\n# BEGIN binpkgbot lab\n/);
  assert.deepEqual(landed, [configured], "the first report landed at set-up, with make.conf as the script left it");
  const tokenFile = path.join(root, "etc/binpkgbot/report-token");
  assert.equal(readFileSync(tokenFile, "utf8"), `${TOKEN}\n`);
  assert.equal(lstatSync(tokenFile).mode & 0o777, 0o600);
  const hook = path.join(root, "etc/portage/bin/post_emerge");
  const hookText = readFileSync(hook, "utf8");
  assert.ok(hookText.startsWith("#!/bin/sh\necho admin hook\n# BEGIN binpkgbot report\nbinpkgbot report --to "), hookText);
  assert.equal(lstatSync(hook).mode & 0o777, 0o755);

  const second = await run(["sh", script], { ROOT: root });
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stdout, /written:/, "nothing rewritten on the second run");
  assert.equal(readFileSync(hook, "utf8"), hookText);

  // An emerge changed the configuration; Portage then runs the hook with its environment.
  writeFileSync(path.join(root, "etc/portage/make.conf"), 'USE="second"\n');
  const hookRun = await run([hook], { PORTAGE_CONFIGROOT: root });
  assert.equal(hookRun.code, 0, hookRun.stderr);
  assert.match(hookRun.stdout, /^admin hook\n200 stored the report of web1/);
  assert.deepEqual(landed, [configured, configured, 'USE="second"\n']);
  assert.equal(readFileSync(path.join(stateDir, "servers/web1/etc/portage/make.conf"), "utf8"), 'USE="second"\n');
});

test("the set-up script stops with the fix when binpkgbot is not installed, or the token file is missing", async () => {
  const root = path.join(work, "root-missing");
  mkdirSync(path.join(root, "etc/portage"), { recursive: true });
  const withToken = path.join(work, "setup-token.sh");
  writeFileSync(withToken, renderClientConfig({ url: binhost.url, name: "lab", report: { name: "web1", token: TOKEN } }, "script"));
  // The system's tools without any binpkgbot: one may be installed globally on the machine running
  // the tests (the README's first command puts it in npm's global prefix).
  const tools = path.join(work, "tools-without-binpkgbot");
  mkdirSync(tools);
  for (const name of readdirSync("/usr/bin")) if (name !== "binpkgbot") symlinkSync(path.join("/usr/bin", name), path.join(tools, name));
  const noBinpkgbot = await nodeExec.run(["sh", withToken], { env: { PATH: tools, ROOT: root }, signal: AbortSignal.timeout(60_000) });
  assert.equal(noBinpkgbot.code, 1);
  assert.match(noBinpkgbot.stderr, /error: binpkgbot is not installed on this server/);

  const noToken = path.join(work, "setup-no-token.sh");
  writeFileSync(noToken, renderClientConfig({ url: binhost.url, name: "lab", report: { name: "db1" } }, "script"));
  const missing = await run(["sh", noToken], { ROOT: path.join(work, "root-fresh") });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: .*etc\/binpkgbot\/report-token is missing: put server db1's token there/);
});

test("a post_emerge hook whose binpkgbot block lost its END line is left alone, with the fix", async () => {
  const root = path.join(work, "root-broken-hook");
  mkdirSync(path.join(root, "etc/portage/bin"), { recursive: true });
  const hook = path.join(root, "etc/portage/bin/post_emerge");
  const broken = "#!/bin/sh\n# BEGIN binpkgbot report\nold line\necho admin line kept\n";
  writeFileSync(hook, broken);
  const script = path.join(work, "setup-broken.sh");
  writeFileSync(script, renderClientConfig({ url: binhost.url, name: "lab", report: { name: "web1", token: TOKEN } }, "script"));
  const r = await run(["sh", script], { ROOT: root });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error: .*post_emerge has the line '# BEGIN binpkgbot report' but not '# END binpkgbot report'; add it or remove the block/);
  assert.equal(readFileSync(hook, "utf8"), broken);
});
