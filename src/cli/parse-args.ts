// Each command's own options, parsed strictly with util.parseArgs; its errors become binpkgbot's
// one-line usage messages with a "did you mean" instead of Node's parser text.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError, ExitCode } from "./exit-codes.js";

/** Options main() takes for every command; a typo of one of these is suggested too. */
const GLOBAL_OPTIONS = ["config", "help", "version"];

/** `command` names the command in messages ("history", "stage list"). */
export function parseCommandArgs<T extends ParseArgsConfig & { strict: true }>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS")) throw error;
    throw new CliError(describeParseError(command, Object.keys(config.options ?? {}), error as Error), ExitCode.usage, { cause: error });
  }
}

function describeParseError(command: string, known: readonly string[], error: Error): string {
  const help = `binpkgbot ${command} --help lists what it takes`;
  const message = error.message;
  const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown !== undefined) {
    const name = unknown.replace(/^-+/, "").replace(/=.*$/, "");
    const guess = closest(name, [...known, ...GLOBAL_OPTIONS]);
    return `${command}: unknown option ${unknown}${guess === undefined ? "" : `: did you mean --${guess}?`} (${help})`;
  }
  const positional = /^Unexpected argument '([^']*)'/.exec(message)?.[1];
  if (positional !== undefined) return `${command}: unexpected argument '${positional}' (${help})`;
  const option = /^Option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1];
  if (option !== undefined) {
    return message.includes("does not take")
      ? `${command}: ${option} takes no value (${help})`
      : `${command}: ${option} needs a value, as in ${option}=VALUE (${help})`;
  }
  return `${command}: wrong arguments (${help})`;
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  const allowed = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && best.distance <= allowed ? best.candidate : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = value;
    }
  }
  return at(a.length, b.length);
}
