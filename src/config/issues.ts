// Problems in a config are data: each names the file, the key path and what to do.

export type PathSegment = string | number;

export interface ConfigIssue {
  file: string;
  path: readonly PathSegment[];
  message: string;
  /** What to do about it, e.g. "did you mean 'etc_portage'?". */
  hint?: string;
  /** Point at the key of the map entry (unknown keys) rather than its value. */
  at?: "key" | "value";
  /** Offset inside a scalar value, for errors at one character (a bad atom). */
  offset?: number;
  severity?: "error" | "warning";
}

export interface LocatedIssue extends ConfigIssue {
  line: number;
  column: number;
}

/** "tasks[3].use[1]" */
export function renderPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text === "" ? "(top level)" : text;
}

/** FILE:LINE:COLUMN: key.path: message (hint) */
export function formatIssue(issue: LocatedIssue): string {
  const hint = issue.hint ? ` (${issue.hint})` : "";
  const level = issue.severity === "warning" ? "warning: " : "";
  return `${issue.file}:${issue.line}:${issue.column}: ${level}${renderPath(issue.path)}: ${issue.message}${hint}`;
}

/** The closest candidate by edit distance, if it is close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
