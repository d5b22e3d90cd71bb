// Long lines for a terminal: words broken into lines that fit a width.

/** The widest a line gets where binpkgbot wraps, even on a wider terminal: easier to read. */
export const MAX_WIDTH = 100;

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** `text` wrapped to `width`, every line after the first indented by `indent`. */
export function wrapLine(text: string, width: number, indent = "    "): string[] {
  const [first = "", ...rest] = wrapText(text, width);
  return [first, ...(rest.length === 0 ? [] : wrapText(rest.join(" "), width - indent.length).map((line) => `${indent}${line}`))];
}
