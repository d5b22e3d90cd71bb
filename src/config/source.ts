// YAML text → document with positions. Pure: the text comes in, nothing is read here.
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { ConfigIssue, LocatedIssue, PathSegment } from "./issues.js";

export interface SourceDoc {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/**
 * The file's bytes as text. A file that is not UTF-8 is an error at its first bad byte: decoding it
 * loosely would turn those bytes into U+FFFD, and paths or atoms made of them would silently differ.
 */
export function decodeSource(file: string, bytes: Uint8Array): { text: string } | { issue: LocatedIssue } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const valid = badSequenceStart(bytes, validUtf8Prefix(bytes));
    const lines = new TextDecoder().decode(bytes.subarray(0, valid), { stream: true }).split("\n");
    const byte = (bytes[valid] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    return {
      issue: {
        file, path: [], line: lines.length, column: [...(lines.at(-1) ?? "")].length + 1,
        message: `the file is not valid UTF-8 here (byte 0x${byte})`, hint: "save the file as UTF-8",
      },
    };
  }
}

/** Where the sequence that turned out bad begins: the prefix may end inside a character. */
function badSequenceStart(bytes: Uint8Array, valid: number): number {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, valid));
    return valid;
  } catch {
    let start = valid - 1;
    while (start > 0 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start--;
    return start;
  }
}

/** The length of the longest prefix that is UTF-8, but for a sequence cut off at its end. */
function validUtf8Prefix(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      low = middle;
    } catch {
      high = middle - 1;
    }
  }
  return low;
}

export function parseSource(file: string, text: string): { source?: SourceDoc; issues: LocatedIssue[] } {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    // The parser's own duplicate-key check compares each key with all before it: minutes for a map of
    // 40,000 keys. duplicateKeys() below does the same check with a set per map.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, strict: true });
  } catch (error) {
    // The parser turns most of its own failures into errors with a position; what escapes it (a stack
    // overflow on a pathological file) is still a problem of this file, not a crash.
    const reason = error instanceof Error ? error.message : String(error);
    return { issues: [{ file, path: [], line: 1, column: 1, message: `YAML: the parser gave up on this file: ${reason}`, hint: "simplify the file: it nests too deeply or is not YAML" }] };
  }
  const errors = [...doc.errors, ...doc.warnings].map((error) => ({ offset: error.pos[0], message: error.message }));
  const issues: LocatedIssue[] = [...errors, ...duplicateKeys(doc)].sort((a, b) => a.offset - b.offset).map((error) => {
    const pos = lineCounter.linePos(error.offset);
    const message = error.message.split("\n")[0] ?? error.message;
    // The parser reports running out of stack where nesting got too deep; say so in the config's terms.
    const tooDeep = /Maximum call stack size exceeded/.test(message);
    return {
      file,
      path: [],
      line: pos.line,
      column: pos.col,
      message: tooDeep ? "YAML: nested too deeply here for the parser" : `YAML: ${message.replace(/ at line \d+, column \d+:?$/, "")}`,
      hint: tooDeep ? "a config needs only a few levels: look for a run of '[', '{' or '-'" : "fix the YAML syntax at this place",
    };
  });
  return { source: { file, text, doc, lineCounter }, issues };
}

/** Keys that repeat one of the same map: equal when both are scalars of equal value, as the parser's check has it. */
function duplicateKeys(doc: Document.Parsed): Array<{ offset: number; message: string }> {
  const found: Array<{ offset: number; message: string }> = [];
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const key = `${typeof pair.key.value}:${String(pair.key.value)}`;
          if (seen.has(key)) found.push({ offset: pair.key.range?.[0] ?? 0, message: "Map keys must be unique" });
          seen.add(key);
        } else pending.push(pair.key);
        pending.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) pending.push(item);
    }
  }
  return found;
}

/** The node at a key path, and for map entries the key node too. */
/** Where a path leads no further (a missing key), the deepest node on it: the map that lacks the key. */
export function nodeAt(source: SourceDoc, path: readonly PathSegment[]): { node?: Node; key?: Node } {
  let current: unknown = source.doc.contents;
  let key: Node | undefined;
  for (const segment of path) {
    let next: unknown;
    let nextKey: Node | undefined;
    if (isMap(current)) {
      const pair = current.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === segment);
      nextKey = pair && isNode(pair.key) ? pair.key : undefined;
      next = pair ? (pair.value ?? pair.key) : undefined;
    } else if (isSeq(current) && typeof segment === "number") {
      next = current.items[segment];
    }
    if (!isNode(next)) break;
    current = next;
    key = nextKey;
  }
  return { node: isNode(current) ? current : undefined, key };
}

export function locate(source: SourceDoc, issue: ConfigIssue): LocatedIssue {
  const { node, key } = nodeAt(source, issue.path);
  const target = issue.at === "key" && key ? key : (node ?? key);
  let offset = target?.range?.[0] ?? 0;
  if (target && issue.offset !== undefined && isScalar(target)) {
    const quoted = target.type === "QUOTE_DOUBLE" || target.type === "QUOTE_SINGLE";
    offset += issue.offset + (quoted ? 1 : 0);
  }
  const pos = source.lineCounter.linePos(offset);
  return { ...issue, file: source.file, line: pos.line, column: pos.col };
}
