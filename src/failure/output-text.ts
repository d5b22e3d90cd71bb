// The tail of a step's output as lines, and the small readers the message families share.

/** Portage colours its messages when it sees a terminal (output.py, colorize); the codes are noise here. */
const ANSI = new RegExp(String.raw`\u001b\[[0-9;?]*[A-Za-z]`, "g");

export function outputLines(text: string): string[] {
  return text.replace(ANSI, "").replace(/\r\n?/g, "\n").split("\n").map((line) => line.replace(/\s+$/, ""));
}

/** The index of the first line matching, from `from` on; -1 if none. */
export function findLine(lines: readonly string[], pattern: RegExp, from = 0): number {
  for (let index = Math.max(0, from); index < lines.length; index++) if (pattern.test(lines[index] ?? "")) return index;
  return -1;
}

/** The index of the last line matching; -1 if none. */
export function findLastLine(lines: readonly string[], pattern: RegExp): number {
  for (let index = lines.length - 1; index >= 0; index--) if (pattern.test(lines[index] ?? "")) return index;
  return -1;
}

/** Every first capture group of `pattern` over the lines, each once, in order. */
export function capturesOf(lines: readonly string[], pattern: RegExp): string[] {
  const found = lines.map((line) => pattern.exec(line)?.[1]).filter((value): value is string => value !== undefined);
  return [...new Set(found)];
}

/** The last `count` non-empty lines of a range, for evidence. */
export function lastLines(lines: readonly string[], count: number): string[] {
  return lines.filter((line) => line.trim() !== "").slice(-count);
}

/** "=cat/pkg-1.0" from "cat/pkg-1.0::gentoo": the version an atom must pin in a package.* line. */
export function exactAtom(cpvWithRepo: string): string {
  return `=${cpvWithRepo.replace(/::.*$/, "")}`;
}
