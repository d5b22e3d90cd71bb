// The result shape shared by the pure Portage parsers: a value, or one problem
// with the 0-based offset of the first bad character in the parsed text.

export type ParseFailure = { ok: false; message: string; offset: number };

export function parseFailure(message: string, offset: number): ParseFailure {
  return { ok: false, message, offset };
}

/** Quotes a character for a message, naming the invisible ones. */
export function describeCharacter(ch: string): string {
  switch (ch) {
    case " ":
      return "a space";
    case "\t":
      return "a tab";
    case "\n":
    case "\r":
      return "a line break";
    default: {
      const code = ch.codePointAt(0) ?? 0;
      if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).padStart(4, "0")}`;
      return `'${ch}'`;
    }
  }
}

/**
 * Offset of the first character in text[start, end) that the pattern rejects:
 * `first` for the first character, `rest` for the others. Undefined when all pass.
 */
export function findBadCharacter(
  text: string,
  start: number,
  end: number,
  first: RegExp,
  rest: RegExp,
): number | undefined {
  for (let i = start; i < end; i++) {
    const ch = text[i] ?? "";
    if (!(i === start ? first : rest).test(ch)) return i;
  }
  return undefined;
}
