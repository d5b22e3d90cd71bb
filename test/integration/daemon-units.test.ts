// `binpkgbot install-units` writes units that systemd accepts, pointing at this binpkgbot and config.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { nodeExec } from "../../src/exec/exec.js";
import { repoRoot } from "../support/fixtures.js";
import { runCli } from "./support/world.js";

const analyze = await nodeExec.run(["systemd-analyze", "--version"]).then((result) => result.code === 0, () => false);
const skip = analyze ? false : "systemd-analyze is not installed (Debian: apt-get install systemd)";

test("install-units: systemd-analyze verify passes, ExecStart runs this binpkgbot with the config", { skip }, async (t) => {
  const prefix = await mkdtemp(path.join(tmpdir(), "binpkgbot-units-"));
  t.after(() => rm(prefix, { recursive: true, force: true }));
  const config = path.join(prefix, "my configs", "binpkgbot.yml");
  const result = await runCli(["install-units", "--prefix", prefix, "-c", config]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /systemctl daemon-reload && systemctl enable --now binpkgbot\.service/);
  assert.match(result.stdout, /systemctl daemon-reload && systemctl enable --now binpkgbot-run\.timer/);
  assert.match(result.stderr, /does not exist yet/);
  assert.deepEqual((await readdir(prefix)).filter((name) => name !== "my configs").sort(), ["binpkgbot-run.service", "binpkgbot-run.timer", "binpkgbot.service"]);

  const service = await readFile(path.join(prefix, "binpkgbot.service"), "utf8");
  const main = path.join(repoRoot, "build", "src", "cli", "main.js");
  assert.match(service, new RegExp(`^ExecStart=${process.execPath} ${main} daemon -c "${config}"$`, "m"));
  assert.match(service, /^KillMode=mixed$/m);
  assert.match(service, /^Restart=on-failure$/m);
  const run = await readFile(path.join(prefix, "binpkgbot-run.service"), "utf8");
  assert.match(run, /^Type=oneshot$/m);
  assert.match(run, /^SuccessExitStatus=5$/m, "a timer run that finds the stage locked is no failure");
  assert.match(run, new RegExp(`^ExecStart=${process.execPath} ${main} run -c "${config}"$`, "m"));

  const units = ["binpkgbot.service", "binpkgbot-run.service", "binpkgbot-run.timer"].map((name) => path.join(prefix, name));
  const verify = await nodeExec.run(["systemd-analyze", "verify", ...units], { env: { ...process.env, SYSTEMD_LOG_LEVEL: "warning" } });
  assert.equal(verify.code, 0, verify.stderr);
  assert.equal(verify.stderr.split("\n").filter((line) => line.includes(prefix)).join("\n"), "", "no warning about our units");
});
