// Several targets on one host with no Redis: `binpkgbot run -c FLEET` builds each target in its own
// stage and PKGDIR, one summary naming each step's target, and `binpkgbot serve -c FLEET` serves each
// PKGDIR under /NAME/. Real systemd-nspawn over a real btrfs stage per target, with the emerge double.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, readRecords, runCli, startCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

interface Fleet {
  file: string;
  amd64: World;
  arm64: World;
}

let made: Fleet | undefined;

/** Two worlds (stage, PKGDIR, state each) as the targets amd64 and arm64 of one fleet file. */
async function fleet(): Promise<Fleet> {
  if (made) return made;
  const dir = suite.fixture().dir;
  const amd64 = await createWorld(dir);
  const arm64 = await createWorld(dir);
  await writeFile(amd64.config, configText(amd64, "sync: false\ntasks:\n  - install: app-misc/plain\n"));
  await writeFile(arm64.config, configText(arm64, "sync: false\ntasks:\n  - install: app-misc/plain\n  - install: app-misc/broken\n"));
  const file = path.join(dir, "binpkgbot-fleet.yml");
  await writeFile(file, [
    "targets:",
    "  amd64:",
    `    config: ${path.relative(dir, amd64.config)}`,
    "    labels: {arch: amd64, profile: default/linux/amd64/23.0}",
    "  arm64:",
    `    config: ${arm64.config}`,
    "    labels: {arch: arm64, profile: default/linux/arm64/23.0, site: lab}",
    "",
  ].join("\n"));
  made = { file, amd64, arm64 };
  return made;
}

test("run -c FLEET builds every target in its own stage and PKGDIR; one summary names each step's target; a failed step exits 1", { skip }, async (t) => {
  const { file, amd64, arm64 } = await fleet();
  t.after(await leakGuard(suite.fixture().dir));
  const result = await runCli(["run", "-c", file]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /^=== target amd64 \(arch=amd64, profile=default\/linux\/amd64\/23\.0\): /m);
  assert.match(result.stdout, /^=== target arm64 \(arch=arm64, profile=default\/linux\/arm64\/23\.0, site=lab\): /m);
  assert.ok(result.stdout.indexOf("=== target amd64") < result.stdout.indexOf("=== target arm64"), "one target after the other, in the file's order");
  const summary = result.stdout.slice(result.stdout.lastIndexOf("target  "));
  assert.match(summary, /^target\s+task\s+result\s+time\s+binpkgs added$/m);
  assert.match(summary, /^amd64\s+install-app-misc-plain\s+succeeded\s/m);
  assert.match(summary, /^arm64\s+install-app-misc-plain\s+succeeded\s/m);
  assert.match(summary, /^arm64\s+install-app-misc-broken\s+failed\s/m);
  assert.doesNotMatch(summary, /^amd64\s+install-app-misc-broken/m);
  assert.match(summary, new RegExp(`^arm64: install-app-misc-broken \\(build\\): `, "m"));
  // Each target's emerges ran in its own stage, wrote its own PKGDIR and its own state.
  assert.equal((await readRecords(amd64)).length, 1);
  assert.equal((await readRecords(arm64)).length, 2);
  for (const world of [amd64, arm64]) assert.match(await readFile(path.join(world.pkgdir, "Packages"), "utf8"), /^CPV: app-misc\/plain-/m);
  assert.doesNotMatch(await readFile(path.join(amd64.pkgdir, "Packages"), "utf8"), /broken/);

  const status = await runCli(["status", "-c", file, "--json"]);
  assert.equal(status.code, 0, status.stderr);
  const targets = (JSON.parse(status.stdout) as { targets: { name: string; lastRun: { result: string } | null }[] }).targets;
  assert.deepEqual(targets.map((entry) => [entry.name, entry.lastRun?.result]), [["amd64", "succeeded"], ["arm64", "failed"]]);
});

test("run -c FLEET --target NAME runs that target alone", { skip }, async (t) => {
  const { file, amd64, arm64 } = await fleet();
  t.after(await leakGuard(suite.fixture().dir));
  const before = { amd64: (await readRecords(amd64)).length, arm64: (await readRecords(arm64)).length };
  const result = await runCli(["run", "-c", file, "--target", "amd64", "--force"]);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /=== target arm64/);
  assert.equal((await readRecords(amd64)).length, before.amd64 + 1);
  assert.equal((await readRecords(arm64)).length, before.arm64, "arm64's stage ran nothing");
});

test("a target whose stage is missing is reported, the other targets still run, and the exit code is run's for a host problem", { skip }, async (t) => {
  const { amd64 } = await fleet();
  t.after(await leakGuard(suite.fixture().dir));
  const dir = suite.fixture().dir;
  const gone = path.join(dir, "gone.yml");
  await writeFile(gone, [`stage: ${path.join(dir, "no-such", "stage")}`, `etc_portage: ${amd64.etcPortage}`, `portage_repo: ${amd64.repo}`,
    `pkgdir: ${path.join(dir, "gone-packages")}`, `state_dir: ${path.join(dir, "gone-state")}`, "sync: false", "tasks: [{install: app-misc/plain}]", ""].join("\n"));
  const file = path.join(dir, "with-gone.yml");
  await writeFile(file, `targets:\n  gone:\n    config: gone.yml\n    labels: {arch: x86, profile: p}\n  amd64:\n    config: ${amd64.config}\n    labels: {arch: amd64, profile: p}\n`);
  const before = (await readRecords(amd64)).length;
  const result = await runCli(["run", "-c", file, "--force"]);
  assert.equal(result.code, 4, result.stderr);
  assert.match(result.stdout, /^gone: did not run: stage .*no-such\/stage does not exist/m);
  assert.match(result.stdout, /^amd64\s+install-app-misc-plain\s+succeeded/m);
  assert.equal((await readRecords(amd64)).length, before + 1);
});

test("serve -c FLEET serves each target's PKGDIR under /NAME/, conditional GET included, and nothing outside them", { skip }, async (t) => {
  const { file, amd64, arm64 } = await fleet();
  const serve = startCli(["serve", "-c", file, "--listen", "127.0.0.1:0"]);
  t.after(async () => {
    if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
    await serve.done;
  });
  let out = "";
  serve.child.stdout?.on("data", (chunk: string) => (out += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 15_000);
    serve.child.stdout?.on("data", () => {
      const match = /^serving target arm64 .* at (http:\/\/[^ ]+)\/arm64\/$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  assert.match(out, new RegExp(`^serving target amd64 \\(arch=amd64, profile=default/linux/amd64/23\\.0\\): ${amd64.pkgdir} at ${url}/amd64/$`, "m"));
  for (const [name, world] of [["amd64", amd64], ["arm64", arm64]] as const) {
    const index = await fetch(`${url}/${name}/Packages`);
    assert.equal(index.status, 200);
    const text = await index.text();
    assert.equal(text, await readFile(path.join(world.pkgdir, "Packages"), "utf8"), `${name}'s own index`);
    const binpkg = /^PATH: (.+)$/m.exec(text)?.[1];
    assert.ok(binpkg, text);
    const response = await fetch(`${url}/${name}/${binpkg}`);
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), await readFile(path.join(world.pkgdir, binpkg)));
    const again = await fetch(`${url}/${name}/Packages`, { headers: { "if-modified-since": index.headers.get("last-modified") ?? "" } });
    assert.equal(again.status, 304);
  }
  for (const target of ["/Packages", "/amd64", "/x86/Packages", "/amd64/.Packages.portage_lockfile"]) assert.equal((await fetch(`${url}${target}`)).status, 404, target);
  const client = await runCli(["client-config", "--url", url, "-c", file, "--target", "arm64"]);
  assert.equal(client.code, 0, client.stderr);
  assert.match(client.stdout, new RegExp(`^sync-uri = ${url}/arm64$`, "m"));
  serve.child.kill("SIGTERM");
  const result = await serve.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^GET \/amd64\/Packages|"GET \/amd64\/Packages/m);
});
