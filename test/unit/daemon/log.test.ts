import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger, isJournalStream, type LoggerOptions } from "../../../src/daemon/log.js";
import { createEventLogger, TickWarnings } from "../../../src/daemon/log-events.js";
import type { EngineEvent } from "../../../src/engine/events.js";

function lines(options: Pick<LoggerOptions, "format" | "journal">) {
  const out: string[] = [];
  const log = createLogger({ ...options, write: (line) => void out.push(line), now: () => new Date(Date.UTC(2026, 10, 26, 3)) });
  return { log, out };
}

describe("daemon log", () => {
  it("journald priority prefixes under systemd, words elsewhere", () => {
    const journal = lines({ format: "text", journal: true });
    journal.log.info("a", "started");
    journal.log.warning("b", "slow");
    journal.log.error("c", "broken");
    assert.deepEqual(journal.out, ["<6>started", "<4>slow", "<3>broken"]);
    const plain = lines({ format: "text", journal: false });
    plain.log.warning("b", "two\nlines");
    assert.deepEqual(plain.out, ["warning: two ⏎ lines"], "one event, one line");
    assert.equal(isJournalStream({ JOURNAL_STREAM: "8:1234" }), true);
    assert.equal(isJournalStream({}), false);
  });

  it("json: one object per line with time, level, event, message and fields", () => {
    const json = lines({ format: "json", journal: true });
    json.log.error("run-error", "boom", { run: 3 });
    assert.deepEqual(json.out.map((line) => JSON.parse(line)), [{ time: "2026-11-26T03:00:00.000Z", level: "error", event: "run-error", message: "boom", fields: { run: 3 } }]);
  });

  it("task output goes line by line with the task id in front", () => {
    const { log, out } = lines({ format: "text", journal: false });
    const emit = createEventLogger(log);
    const step = { task: { id: "install-foo", title: "install app-misc/foo" }, kind: "container", spec: { ephemeral: true } };
    emit({ kind: "output", step, stream: "stdout", chunk: Buffer.from(">>> Emerging (1 of 1)\n>>> Com") } as EngineEvent);
    emit({ kind: "output", step, stream: "stdout", chunk: Buffer.from("pleted\n") } as EngineEvent);
    emit({ kind: "output", step, stream: "stderr", chunk: Buffer.from("no newline at the end") } as EngineEvent);
    emit({ kind: "step-end", index: 0, total: 1, outcome: { step, result: "failed", exitCode: 1, durationMs: 1500, added: [], reason: "exit 1" } } as unknown as EngineEvent);
    assert.deepEqual(out, [
      "info: [install-foo] >>> Emerging (1 of 1)",
      "info: [install-foo] >>> Completed",
      "info: [install-foo] no newline at the end",
      "warning: install-foo: failed in 1.5s (exit 1)",
    ]);
  });

  it("a failed task's end names its failure class and summary, in the text and as json fields", () => {
    const { log, out } = lines({ format: "json", journal: false });
    const emit = createEventLogger(log);
    const step = { task: { id: "install-foo", title: "install app-misc/foo" }, kind: "container", spec: { ephemeral: true } };
    const failure = { class: "build", summary: "app-misc/foo-1.0 failed in src_compile", fix: [], details: [], packages: [] };
    emit({ kind: "step-end", index: 0, total: 1, outcome: { step, result: "failed", exitCode: 1, durationMs: 1500, added: [], reason: "exit 1", failure } } as unknown as EngineEvent);
    const [line] = out.map((text) => JSON.parse(text) as { message: string; fields: Record<string, unknown> });
    assert.equal(line?.message, "install-foo: failed (build) in 1.5s: app-misc/foo-1.0 failed in src_compile (exit 1)");
    assert.deepEqual(line?.fields, { task: "install-foo", result: "failed", durationMs: 1500, exitCode: 1, failureClass: "build", failureSummary: "app-misc/foo-1.0 failed in src_compile" });
  });

  it("a warning every tick repeats is logged once while it lasts, and again after a tick without it", () => {
    const { log, out } = lines({ format: "text", journal: false });
    const warnings = new TickWarnings();
    const tick = (...messages: string[]): void => {
      warnings.nextTick();
      const emit = createEventLogger(log, warnings);
      for (const message of messages) emit({ kind: "warning", message });
    };
    tick("profiles/package.mask: cannot read", "unmask has no effect");
    tick("profiles/package.mask: cannot read", "unmask has no effect");
    tick("unmask has no effect");
    tick("profiles/package.mask: cannot read", "unmask has no effect", "unmask has no effect");
    assert.deepEqual(out, [
      "warning: profiles/package.mask: cannot read",
      "warning: unmask has no effect",
      "warning: profiles/package.mask: cannot read",
    ]);
  });
});
