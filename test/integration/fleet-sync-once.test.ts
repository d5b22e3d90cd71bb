// Targets sharing one ebuild repository: a fleet run syncs it once, in the first target naming it;
// the others say who synced it and run on the synced repository. A target with its own repository
// still syncs it. Real systemd-nspawn over real btrfs stages, with the emerge double recording each call.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, readRecords, runCli } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

test("run -c FLEET syncs a repository shared by two targets once, and a third target's own repository too", { skip }, async (t) => {
  const dir = suite.fixture().dir;
  const [amd64, arm64, overlay] = [await createWorld(dir), await createWorld(dir), await createWorld(dir)];
  t.after(await leakGuard(dir));
  await writeFile(amd64.config, configText(amd64, "tasks:\n  - install: app-misc/plain\n"));
  // arm64 reads amd64's repository: its own is never used.
  await writeFile(arm64.config, configText(arm64, "tasks:\n  - install: app-misc/plain\n").replace(`portage_repo: ${arm64.repo}`, `portage_repo: ${amd64.repo}`));
  await writeFile(overlay.config, configText(overlay, "tasks:\n  - install: app-misc/plain\n"));
  const file = path.join(dir, "binpkgbot-fleet.yml");
  await writeFile(file, ["targets:", ...[["amd64", amd64], ["arm64", arm64], ["own", overlay]].flatMap(([name, world]) => [
    `  ${name as string}:`, `    config: ${(world as typeof amd64).config}`, "    labels: {arch: amd64, profile: default/linux/amd64/23.0}",
  ]), ""].join("\n"));

  const result = await runCli(["run", "-c", file]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const syncs = async (world: typeof amd64): Promise<number> => (await readRecords(world)).filter((record) => record.argv.includes("--sync")).length;
  assert.equal(await syncs(amd64), 1, "the first target naming the repository syncs it");
  assert.equal(await syncs(arm64), 0, "the second does not sync it again");
  assert.equal(await syncs(overlay), 1, "a target with its own repository syncs it");
  assert.ok((await readRecords(arm64)).some((record) => record.argv.includes("app-misc/plain")), "the second target still builds");
  assert.match(result.stderr, new RegExp(`the repository ${amd64.repo} is synced once in this run, by target amd64; this target does not sync it again`));
});
