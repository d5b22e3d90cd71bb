// Include globs: `*`, `?` and `[...]` inside one path segment, as a shell would expand them.
// Like a shell, a wildcard does not match a leading dot. Pure: the directory listing comes in.
//
// Matching is not done with a regular expression: a pattern like `*a*a*a*a*a*a*b` makes a backtracking
// regex engine try every split of the name, which for a 200-character name runs for hours. The matcher
// below only ever returns to the last `*` it passed, which bounds the work by
// (characters in the name + 1) × (tokens in the pattern + 1).

type Token =
  | { kind: "star" }
  | { kind: "any" }
  | { kind: "literal"; char: string }
  | { kind: "class"; negated: boolean; ranges: Array<[string, string]> };

export interface SegmentMatcher {
  test(name: string): boolean;
}

/** Counts the comparisons a match made, so that tests can show the work stays bounded. */
export interface MatchSteps {
  steps: number;
}

export function hasGlobMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

export function segmentMatcher(segment: string): SegmentMatcher {
  const tokens = tokenize(segment);
  return { test: (name) => matchTokens(tokens, [...name]) };
}

/** `segment` against one name, counting the steps into `counter`. */
export function matchWildcard(segment: string, name: string, counter?: MatchSteps): boolean {
  return matchTokens(tokenize(segment), [...name], counter);
}

export function matchSegment(segment: string, names: readonly string[]): string[] {
  const matcher = segmentMatcher(segment);
  const dotOk = segment.startsWith(".");
  return names.filter((name) => (dotOk || !name.startsWith(".")) && matcher.test(name));
}

function tokenize(segment: string): Token[] {
  const chars = [...segment];
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? "";
    if (char === "*") {
      if (tokens.at(-1)?.kind !== "star") tokens.push({ kind: "star" });
    } else if (char === "?") tokens.push({ kind: "any" });
    else if (char === "[") {
      // As in a shell, a ']' right after '[' or '[!' belongs to the set; an unclosed '[' is literal.
      const negated = chars[i + 1] === "!" || chars[i + 1] === "^";
      const start = i + 1 + (negated ? 1 : 0);
      const end = chars.indexOf("]", start + 1);
      if (end === -1) {
        tokens.push({ kind: "literal", char });
        continue;
      }
      tokens.push({ kind: "class", negated, ranges: parseRanges(chars.slice(start, end)) });
      i = end;
    } else tokens.push({ kind: "literal", char });
  }
  return tokens;
}

function parseRanges(body: string[]): Array<[string, string]> {
  const ranges: Array<[string, string]> = [];
  for (let i = 0; i < body.length; i++) {
    const from = body[i] ?? "";
    const to = body[i + 2];
    if (body[i + 1] === "-" && to !== undefined) {
      ranges.push([from, to]);
      i += 2;
    } else ranges.push([from, from]);
  }
  return ranges;
}

function matchesOne(token: Token, char: string): boolean {
  switch (token.kind) {
    case "star":
      return false;
    case "any":
      return true;
    case "literal":
      return token.char === char;
    case "class": {
      const point = char.codePointAt(0) ?? 0;
      const inside = token.ranges.some(([from, to]) => point >= (from.codePointAt(0) ?? 0) && point <= (to.codePointAt(0) ?? 0));
      return inside !== token.negated;
    }
    default: {
      const never: never = token;
      throw new Error(`unhandled token ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Greedy match that, on a mismatch, lets the last `*` passed swallow one more character and retries
 * from there. Earlier stars never need revisiting: whatever they matched, the last star can absorb.
 */
function matchTokens(tokens: readonly Token[], name: readonly string[], counter: MatchSteps = { steps: 0 }): boolean {
  let t = 0;
  let n = 0;
  let starToken = -1;
  let starName = 0;
  while (n < name.length) {
    counter.steps++;
    const token = tokens[t];
    if (token?.kind === "star") {
      starToken = t++;
      starName = n;
    } else if (token && matchesOne(token, name[n] ?? "")) {
      t++;
      n++;
    } else if (starToken !== -1) {
      t = starToken + 1;
      n = ++starName;
    } else return false;
  }
  while (tokens[t]?.kind === "star") t++;
  return t === tokens.length;
}

/**
 * The first control character (newline, tab, ...) in a file name, if any. Names with one are refused:
 * they would split the one-line messages that name the file, and its line in logs.
 */
export function controlCharacterIn(name: string): string | undefined {
  return [...name].find((char) => char < " " || char === "\x7f");
}

/** Byte order of the path, so that 10-foo.yml sorts after 02-bar.yml and the order never depends on a locale. */
export function compareFileNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
