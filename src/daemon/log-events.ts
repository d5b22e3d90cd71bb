// Engine events as daemon log lines: a task's output line by line with the task id in front.
import { StringDecoder } from "node:string_decoder";
import type { EngineEvent } from "../engine/events.js";
import type { Logger } from "./log.js";

/**
 * The warnings of the tick before, so that a warning every run repeats (a repository problem, a risky
 * option) reaches the journal once while it lasts, and again only after a tick without it.
 */
export class TickWarnings {
  private previous = new Set<string>();
  private current = new Set<string>();

  /** Call at the start of each tick. */
  nextTick(): void {
    this.previous = this.current;
    this.current = new Set();
  }

  /** Notes the warning; true when the tick before gave it too. */
  repeated(message: string): boolean {
    this.current.add(message);
    return this.previous.has(message);
  }
}

export function createEventLogger(log: Logger, warnings: TickWarnings = new TickWarnings()): (event: EngineEvent) => void {
  const partial = new Map<string, string>();
  // Output comes as bytes; a chunk may end inside a multi-byte character.
  const decoders = new Map<string, StringDecoder>();
  const decode = (key: string, chunk: Buffer): string => {
    const decoder = decoders.get(key) ?? new StringDecoder("utf8");
    decoders.set(key, decoder);
    return decoder.write(chunk);
  };
  const flush = (task: string, stream: string, text: string, final: boolean): void => {
    const key = `${task}:${stream}`;
    const lines = ((partial.get(key) ?? "") + text).split("\n");
    const rest = final ? "" : (lines.pop() ?? "");
    for (const line of lines) if (!final || line !== "") log.info("output", `[${task}] ${line}`, { task, stream });
    partial.set(key, rest);
  };
  return (event) => {
    switch (event.kind) {
      case "notice":
        log.info("notice", event.message);
        return;
      case "warning":
        if (!warnings.repeated(event.message)) log.warning("warning", event.message);
        return;
      case "step-start":
        log.info("task-start", `${event.step.task.id}: started (${event.index + 1}/${event.total}) ${event.step.task.title}`, { task: event.step.task.id });
        return;
      case "output":
        flush(event.step.task.id, event.stream, decode(`${event.step.task.id}:${event.stream}`, event.chunk), false);
        return;
      case "step-end": {
        const { outcome } = event;
        const task = outcome.step.task.id;
        for (const stream of ["stdout", "stderr"]) flush(task, stream, "", true);
        const level = outcome.result === "failed" ? "warning" : "info";
        const reason = outcome.reason ? ` (${outcome.reason})` : "";
        const failureClass = outcome.failure ? ` (${outcome.failure.class})` : "";
        const summary = outcome.failure ? `: ${outcome.failure.summary}` : "";
        log[level]("task-end", `${task}: ${outcome.result}${failureClass} in ${(outcome.durationMs / 1000).toFixed(1)}s${summary}${reason}`, {
          task, result: outcome.result, durationMs: outcome.durationMs, exitCode: outcome.exitCode,
          failureClass: outcome.failure?.class ?? null, failureSummary: outcome.failure?.summary ?? null,
        });
        return;
      }
      default: {
        const never: never = event;
        throw new Error(`unhandled event ${JSON.stringify(never)}`);
      }
    }
  };
}
