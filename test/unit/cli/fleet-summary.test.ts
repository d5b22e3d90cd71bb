// The summary of a run across a fleet's targets: a target column first, and each failed step's block
// naming its target and the `log` command with that target's config.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderSummary, type SummaryTarget } from "../../../src/cli/print-run.js";
import type { StepOutcome } from "../../../src/engine/events.js";
import type { Failure } from "../../../src/failure/failure.js";
import type { Step } from "../../../src/plan/plan.js";

function outcome(id: string, result: "succeeded" | "failed", failure?: Failure): StepOutcome {
  const step = { task: { id, kind: "install", title: id, origin: "binpkgbot.yml:1" } } as unknown as Step;
  const added = result === "succeeded" ? [{ cpv: "app-misc/plain-1.0", buildId: 2, path: "p", use: ["amd64"], slot: "0", eapi: "8", fields: {} }] : [];
  return { step, result, exitCode: result === "succeeded" ? 0 : 1, durationMs: 3_000, added, ...(failure ? { failure } : {}) };
}

test("a target column comes first, one row per step of each target", () => {
  const steps = [outcome("install-plain", "succeeded"), outcome("install-plain", "succeeded")];
  const targets: SummaryTarget[] = [{ name: "amd64-desktop", configFile: "/etc/a.yml" }, { name: "arm64", configFile: "/etc/b.yml" }];
  const text = renderSummary(steps, (step) => targets[steps.indexOf(step)]!);
  assert.deepEqual(text.split("\n"), [
    "target         task           result     time  binpkgs added",
    "amd64-desktop  install-plain  succeeded  3.0s  app-misc/plain-1.0-2 [amd64]",
    "arm64          install-plain  succeeded  3.0s  app-misc/plain-1.0-2 [amd64]",
  ]);
  assert.doesNotMatch(renderSummary(steps), /target/, "without targets, the one-config summary");
});

test("a failed step's block names its target and the log command of its config", () => {
  const failure: Failure = { class: "build", summary: "app-misc/broken-1.0 failed in src_compile", details: ["error"], packages: [], fix: ["read the log"] };
  const broken = outcome("install-broken", "failed", failure);
  const text = renderSummary([broken], () => ({ name: "arm64", configFile: "/etc/binpkgbot/arm 64.yml" }));
  const lines = text.split("\n");
  const start = lines.indexOf("arm64: install-broken (build): app-misc/broken-1.0 failed in src_compile");
  assert.ok(start > 0, text);
  assert.ok(!text.includes("  > … "), "one detail line: no 'more' line");
  const single = renderSummary([outcome("install-broken", "failed", { ...failure, details: Array.from({ length: 9 }, (_, i) => `e${i}`) })], () => ({ name: "arm64", configFile: "/etc/binpkgbot/arm 64.yml" }));
  assert.ok(single.includes("binpkgbot log install-broken -c '/etc/binpkgbot/arm 64.yml'"), single);
});
