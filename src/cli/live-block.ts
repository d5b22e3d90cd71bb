// Pure: the live block a terminal shows under the scrolling log while a run goes, one line per running
// task: its name, how long it has run, and its latest output line, each line cut to the terminal width.
import { formatDuration } from "./print-run.js";

export interface RunningTask {
  id: string;
  /** Milliseconds, on the same clock as `now`. */
  startedAt: number;
  /** The task's latest output line, as printed (may hold control characters); "" before any. */
  lastLine: string;
}

export interface LiveBlockState {
  tasks: readonly RunningTask[];
  now: number;
  /** Terminal columns. */
  width: number;
}

/** One line per task, in the order given, none longer than `width` characters. */
export function renderLiveBlock(state: LiveBlockState): string[] {
  return state.tasks.map((task) => {
    const head = `[${task.id}] ${formatDuration(Math.max(0, state.now - task.startedAt))}`;
    const line = visibleText(task.lastLine);
    return cutToWidth(line === "" ? head : `${head}  ${line}`, state.width);
  });
}

/**
 * The line as a terminal would leave it, without anything that moves the cursor or changes colours: a
 * build's escape sequences or a carriage return inside the block would break the redraw. After a
 * carriage return only what follows counts (progress meters rewrite their line that way).
 */
export function visibleText(line: string): string {
  const afterReturn = line.slice(line.lastIndexOf("\r") + 1);
  return afterReturn
    // CSI sequences (colours, cursor moves) and other two-character escapes: control characters are the point here.
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]/g, "")
    .replace(/\t/g, " ")
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f-\x9f]/g, "")
    .trimEnd();
}

/** Cut to `width` code points, with "…" as the last where something was cut. */
export function cutToWidth(line: string, width: number): string {
  const chars = [...line];
  if (chars.length <= width) return line;
  if (width <= 0) return "";
  return `${chars.slice(0, width - 1).join("")}…`;
}
