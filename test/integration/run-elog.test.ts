// Elog messages a container's Portage saves (PORTAGE_ELOG_SYSTEM=save under /var/log/portage/elog,
// lib/portage/elog/mod_save.py) reach the state database, and `binpkgbot log` shows them with the build log.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { leakGuard } from "./harness/leak-guard.js";
import { integrationSuite } from "./harness/suite.js";
import { configText, createWorld, runCli } from "./support/world.js";

const suite = await integrationSuite();

test("elog messages saved in the container are recorded and shown by binpkgbot log", { skip: suite.skip }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  // What mod_save writes for one package: CATEGORY:PF:DATE.log with LOG:/WARN: sections.
  const script = [
    "echo building hello",
    "mkdir -p /var/log/portage/elog",
    "printf 'WARN: postinst\\nPlease read the news item.\\nLOG: postinst\\nhello was installed.\\n' > /var/log/portage/elog/app-misc:hello-1.0:20261126-040000.log",
  ];
  await writeFile(world.config, configText(world, `sync: false\ntasks:\n  - run:\n      name: elog-maker\n      persist: false\n      script:\n${script.map((line) => `        - "${line.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join("\n")}\n`));
  const run = await runCli(["run", "-c", world.config]);
  assert.equal(run.code, 0, run.stderr);
  const log = await runCli(["log", "elog-maker", "-c", world.config, "--json"]);
  assert.equal(log.code, 0, log.stderr);
  const shown = JSON.parse(log.stdout) as { log: string | null; elog: { package: string; class: string; text: string }[] };
  assert.match(shown.log ?? "", /building hello/);
  const messages = shown.elog.map((message) => `${message.package} ${message.class}: ${message.text.trim()}`);
  assert.deepEqual(messages, ["app-misc/hello-1.0 warn: Please read the news item.", "app-misc/hello-1.0 log: hello was installed."]);
});
