// What the modifier checks need of one ebuild: SLOT, IUSE and KEYWORDS. The repository's metadata cache
// has them complete (eclass IUSE included); the ebuild's own assignments are the fallback.
// md5-cache: `metadata/md5-cache/CAT/PF`, one `KEY=value` per line, split at the first '=' (`_parse_data`
// in lib/portage/cache/flat_hash.py, whose md5_database is the "md5-dict" format that
// lib/portage/repository/config.py prefers when metadata/md5-cache exists).

export type EbuildMetadata = {
  slot: string;
  subSlot?: string;
  /** Flag names, without IUSE's `+`/`-` defaults. */
  iuse: string[];
  keywords: string[];
  /**
   * False where IUSE may hold more than read: an ebuild that inherits eclasses (they add IUSE) or
   * builds a value from variables. Checks judge a flag as unknown only where this is true.
   */
  complete: boolean;
  source: "md5-cache" | "ebuild";
};

export type MetadataResult = { ok: true; metadata: EbuildMetadata } | { ok: false; line: number; message: string };

export function parseMd5CacheEntry(text: string): MetadataResult {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const values = new Map<string, string>();
  for (const [index, line] of lines.entries()) {
    const equals = line.indexOf("=");
    // flat_hash.py raises CacheCorruption for such a line: the whole entry is unusable.
    if (equals === -1) return { ok: false, line: index + 1, message: `'${line.slice(0, 60)}' is not a KEY=value line; Portage takes the entry as corrupt` };
    values.set(line.slice(0, equals), line.slice(equals + 1));
  }
  return { ok: true, metadata: toMetadata(values, true, "md5-cache") };
}

function toMetadata(values: ReadonlyMap<string, string>, complete: boolean, source: EbuildMetadata["source"]): EbuildMetadata {
  const words = (key: string): string[] => (values.get(key) ?? "").split(/\s+/).filter((word) => word !== "");
  const [slot = "0", subSlot] = (values.get("SLOT") || "0").split("/", 2);
  const metadata: EbuildMetadata = { slot, iuse: words("IUSE").map((flag) => flag.replace(/^[+-]/, "")), keywords: words("KEYWORDS"), complete, source };
  if (subSlot !== undefined) metadata.subSlot = subSlot;
  return metadata;
}

const ASSIGNMENT = /^[ \t]*(IUSE|KEYWORDS|SLOT)(\+?)=/;

/**
 * The top-level `IUSE=`, `IUSE+=`, `KEYWORDS=` and `SLOT=` assignments of an ebuild, quoted ("…", '…',
 * over several lines) or bare. Nothing is run: values that use `$` or an ebuild that inherits eclasses
 * give `complete: false`.
 */
export function parseEbuildAssignments(text: string): EbuildMetadata {
  const values = new Map<string, string>();
  let complete = !/^[ \t]*inherit[ \t]/m.test(text);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const match = ASSIGNMENT.exec(line);
    if (!match?.[1]) continue;
    const { value, end } = readValue(lines, i, match[0].length);
    i = end;
    if (value.includes("$") || value.includes("`")) complete = false;
    values.set(match[1], match[2] ? `${values.get(match[1]) ?? ""} ${value}` : value);
  }
  return toMetadata(values, complete, "ebuild");
}

/** The value at `start` of line `index`; a quoted one may end lines later (at `end`). */
function readValue(lines: readonly string[], index: number, start: number): { value: string; end: number } {
  const first = lines[index] ?? "";
  const quote = first[start];
  if (quote !== '"' && quote !== "'") return { value: /^[^ \t;#]*/.exec(first.slice(start))?.[0] ?? "", end: index };
  let text = first.slice(start + 1);
  for (let end = index; end < lines.length; end++) {
    const close = findClosingQuote(text, quote);
    if (close !== -1) return { value: text.slice(0, close), end };
    text += `\n${lines[end + 1] ?? ""}`;
  }
  return { value: text, end: lines.length - 1 };
}

function findClosingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
