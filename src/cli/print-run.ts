// Turns engine events into lines for a person: live output with a task prefix, and the summary table.
import { isNspawnNoise } from "../container/run-container.js";
import type { EngineEvent, StepOutcome } from "../engine/events.js";
import { wrapText } from "./wrap.js";

export function createEventPrinter(write: (line: string) => void): (event: EngineEvent) => void {
  const partial = new Map<string, string>();
  const flush = (key: string, prefix: string, text: string, final: boolean): void => {
    const lines = ((partial.get(key) ?? "") + text).split("\n");
    const rest = final ? "" : (lines.pop() ?? "");
    for (const line of lines) if (!final || line !== "") write(`${prefix}${line}`);
    partial.set(key, rest);
  };
  return (event) => {
    switch (event.kind) {
      case "notice":
        write(event.message);
        return;
      case "warning":
        write(`warning: ${event.message}`);
        return;
      case "step-start":
        write(`==> [${event.index + 1}/${event.total}] ${event.step.task.id}: ${event.step.task.title}${event.step.kind === "container" && !event.step.spec.ephemeral ? " (persists into the stage)" : ""}`);
        return;
      case "output":
        // The log keeps nspawn's harmless exit warning; the screen does not need it.
        if (event.stream === "stderr" && isNspawnNoise(event.text)) return;
        flush(`${event.step.task.id}:${event.stream}`, `[${event.step.task.id}] `, event.text, false);
        return;
      case "step-end": {
        for (const stream of ["stdout", "stderr"]) flush(`${event.outcome.step.task.id}:${stream}`, `[${event.outcome.step.task.id}] `, "", true);
        const { outcome } = event;
        if (outcome.result === "skipped") {
          write(`--- [${event.index + 1}/${event.total}] ${outcome.step.task.id}: skipped, ${outcome.reason ?? ""}`);
          return;
        }
        write(`<== ${outcome.step.task.id}: ${outcome.result} in ${formatDuration(outcome.durationMs)}${outcome.reason ? ` (${outcome.reason})` : ""}`);
        return;
      }
      default: {
        const never: never = event;
        throw new Error(`unhandled event ${JSON.stringify(never)}`);
      }
    }
  };
}

export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

function describeAdded(outcome: StepOutcome): string[] {
  return outcome.added.map((entry) => `${entry.cpv}-${entry.buildId ?? "?"} [${entry.use.join(" ")}]`);
}

/** The summary fits this many columns: a binpkg's USE flags continue on the next lines. */
const SUMMARY_WIDTH = 100;

/** task | result | duration | binpkgs added */
export function renderSummary(outcomes: readonly StepOutcome[]): string {
  const header = ["task", "result", "time", "binpkgs added"] as const;
  const timeOf = (outcome: StepOutcome): string => (["not-run", "skipped"].includes(outcome.result) ? "-" : formatDuration(outcome.durationMs));
  const widths = [
    Math.max(header[0].length, ...outcomes.map((outcome) => outcome.step.task.id.length)),
    Math.max(header[1].length, ...outcomes.map((outcome) => outcome.result.length)),
    Math.max(header[2].length, ...outcomes.map((outcome) => timeOf(outcome).length)),
  ];
  const room = Math.max(40, SUMMARY_WIDTH - widths.reduce((sum, width) => sum + width + 2, 0));
  const rows = outcomes.map((outcome) => {
    const added = describeAdded(outcome).flatMap((entry) => wrapText(entry, room - 2).map((line, index) => (index === 0 ? line : `  ${line}`)));
    return [outcome.step.task.id, outcome.result, timeOf(outcome), added[0] ?? (outcome.reason && outcome.result !== "succeeded" ? outcome.reason : ""), added.slice(1)] as const;
  });
  const line = (cells: readonly string[]): string => cells.map((cell, index) => (index < 3 ? cell.padEnd(widths[index] ?? 0) : cell)).join("  ").trimEnd();
  const out = [line(header)];
  for (const row of rows) {
    out.push(line([row[0], row[1], row[2], row[3]]));
    for (const more of row[4]) out.push(line(["", "", "", more]));
  }
  return out.join("\n");
}
