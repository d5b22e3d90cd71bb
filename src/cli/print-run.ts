// Turns engine events into lines for a person: live output with a task prefix, and the summary table.
import { isNspawnNoise } from "../container/run-container.js";
import type { EngineEvent, StepOutcome } from "../engine/events.js";
import { renderFailureLines } from "../failure/render-failure.js";
import { quoteWord } from "../plan/render-plan.js";
import type { RunningTask } from "./live-block.js";
import type { RunScreen } from "./run-screen.js";
import { StepLines } from "./step-lines.js";
import { wrapText } from "./wrap.js";

/** Prints engine events on `screen`: a step's output line by line, `[task-id] ` in front, and its running tasks. */
export function createEventPrinter(screen: RunScreen, clock: () => number = Date.now): (event: EngineEvent) => void {
  const lines = new StepLines();
  const running = new Map<string, RunningTask>();
  const prefixes = new Map<string, Buffer>();
  const prefixOf = (id: string): Buffer => prefixes.get(id) ?? prefixes.set(id, Buffer.from(`[${id}] `)).get(id) ?? Buffer.alloc(0);
  const line = (text: string): void => screen.write(`${text}\n`);
  return (event) => {
    switch (event.kind) {
      case "notice":
        line(event.message);
        return;
      case "warning":
        line(`warning: ${event.message}`);
        return;
      case "step-start":
        running.set(event.step.task.id, { id: event.step.task.id, startedAt: clock(), lastLine: "" });
        screen.running([...running.values()]);
        line(`==> [${event.index + 1}/${event.total}] ${event.step.task.id}: ${event.step.task.title}${event.step.kind === "container" && !event.step.spec.ephemeral ? " (persists into the stage)" : ""}`);
        return;
      case "output": {
        const id = event.step.task.id;
        const { text, last } = lines.push(`${id}:${event.stream}`, prefixOf(id), event.chunk);
        writeOutput(screen, text);
        const task = running.get(id);
        if (task && last !== null && last.length > 0) {
          // The block shows one screen line of it: no need to decode a whole long line.
          task.lastLine = last.subarray(0, 1024).toString("utf8");
          screen.running([...running.values()]);
        }
        return;
      }
      case "step-end": {
        const id = event.outcome.step.task.id;
        for (const stream of ["stdout", "stderr"] as const) writeOutput(screen, lines.end(`${id}:${stream}`, prefixOf(id)));
        running.delete(id);
        screen.running([...running.values()]);
        const { outcome } = event;
        if (outcome.result === "skipped") {
          line(`--- [${event.index + 1}/${event.total}] ${outcome.step.task.id}: skipped, ${outcome.reason ?? ""}`);
          return;
        }
        const failureClass = outcome.failure ? ` (${outcome.failure.class})` : "";
        line(`<== ${outcome.step.task.id}: ${outcome.result}${failureClass} in ${formatDuration(outcome.durationMs)}${outcome.reason ? ` (${outcome.reason})` : ""}`);
        return;
      }
      default: {
        const never: never = event;
        throw new Error(`unhandled event ${JSON.stringify(never)}`);
      }
    }
  };
}

/** What nspawn's harmless exit warning starts with: output without it is written as it is, undecoded. */
const NOISE_START = "Attempted to remove disk file system";
const NOISE_MARK = Buffer.from(NOISE_START);

/**
 * The log keeps nspawn's harmless exit warning; the screen does not need it. nspawn writes it on exit into
 * the log the task wrote: after a last line without newline it goes on that line, which is kept without it.
 */
function writeOutput(screen: RunScreen, text: Buffer): void {
  if (text.length === 0) return;
  if (!text.includes(NOISE_MARK)) return screen.write(text);
  const kept = text.toString("utf8").split("\n").flatMap((line) => {
    const at = line.indexOf(NOISE_START);
    if (at === -1 || !isNspawnNoise(line.slice(at))) return [line];
    return line.slice(line.indexOf("] ") + 2, at) === "" ? [] : [line.slice(0, at)];
  });
  if (kept.some((line) => line !== "")) screen.write(kept.join("\n"));
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

/** A failed step's summary shows this many detail lines; `binpkgbot log TASK` shows them all. */
const SUMMARY_DETAILS = 5;

/** Which target a step belonged to, in a run across a fleet's targets. */
export interface SummaryTarget {
  name: string;
  configFile: string;
}

/**
 * task | result | duration | binpkgs added; then, for each step that has one, why it failed and the fix.
 * With `targetOf` (a run across a fleet's targets), a target column comes first.
 */
export function renderSummary(outcomes: readonly StepOutcome[], targetOf?: (outcome: StepOutcome) => SummaryTarget): string {
  const header = [...(targetOf ? ["target"] : []), "task", "result", "time", "binpkgs added"];
  const padded = header.length - 1;
  const timeOf = (outcome: StepOutcome): string => (["not-run", "skipped"].includes(outcome.result) ? "-" : formatDuration(outcome.durationMs));
  const cellsOf = (outcome: StepOutcome): string[] => [...(targetOf ? [targetOf(outcome).name] : []), outcome.step.task.id, outcome.result, timeOf(outcome)];
  const widths = header.slice(0, padded).map((title, index) => Math.max(title.length, ...outcomes.map((outcome) => (cellsOf(outcome)[index] ?? "").length)));
  const room = Math.max(40, SUMMARY_WIDTH - widths.reduce((sum, width) => sum + width + 2, 0));
  const rows = outcomes.map((outcome) => {
    const added = describeAdded(outcome).flatMap((entry) => wrapText(entry, room - 2).map((line, index) => (index === 0 ? line : `  ${line}`)));
    return [[...cellsOf(outcome), added[0] ?? (outcome.reason && outcome.result !== "succeeded" ? outcome.reason : "")], added.slice(1)] as const;
  });
  const line = (cells: readonly string[]): string => cells.map((cell, index) => (index < padded ? cell.padEnd(widths[index] ?? 0) : cell)).join("  ").trimEnd();
  const out = [line(header)];
  for (const [cells, more] of rows) {
    out.push(line(cells));
    for (const next of more) out.push(line([...Array<string>(padded).fill(""), next]));
  }
  return [...out, ...renderFailures(outcomes, targetOf)].join("\n");
}

/** Under the table, a block per failed step: "task (class): summary", then the fix and a few details. */
function renderFailures(outcomes: readonly StepOutcome[], targetOf?: (outcome: StepOutcome) => SummaryTarget): string[] {
  return outcomes.flatMap((outcome) => {
    const { step, failure } = outcome;
    if (failure === undefined) return [];
    const target = targetOf?.(outcome);
    const log = target ? `binpkgbot log ${step.task.id} -c ${quoteWord(target.configFile)}` : `binpkgbot log ${step.task.id}`;
    return [
      "",
      `${target ? `${target.name}: ` : ""}${step.task.id} (${failure.class}): ${failure.summary}`,
      ...renderFailureLines(failure, { indent: "  ", maxDetails: SUMMARY_DETAILS, moreDetails: log, width: SUMMARY_WIDTH }),
    ];
  });
}
