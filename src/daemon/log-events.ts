// Engine events as daemon log lines: a task's output line by line with the task id in front.
import type { EngineEvent } from "../engine/events.js";
import type { Logger } from "./log.js";

export function createEventLogger(log: Logger): (event: EngineEvent) => void {
  const partial = new Map<string, string>();
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
        log.warning("warning", event.message);
        return;
      case "step-start":
        log.info("task-start", `${event.step.task.id}: started (${event.index + 1}/${event.total}) ${event.step.task.title}`, { task: event.step.task.id });
        return;
      case "output":
        flush(event.step.task.id, event.stream, event.text, false);
        return;
      case "step-end": {
        const { outcome } = event;
        const task = outcome.step.task.id;
        for (const stream of ["stdout", "stderr"]) flush(task, stream, "", true);
        const level = outcome.result === "failed" ? "warning" : "info";
        const reason = outcome.reason ? ` (${outcome.reason})` : "";
        log[level]("task-end", `${task}: ${outcome.result} in ${(outcome.durationMs / 1000).toFixed(1)}s${reason}`, {
          task, result: outcome.result, durationMs: outcome.durationMs, exitCode: outcome.exitCode,
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
