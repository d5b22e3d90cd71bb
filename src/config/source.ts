// YAML text → document with positions. Pure: the text comes in, nothing is read here.
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { ConfigIssue, LocatedIssue, PathSegment } from "./issues.js";

export interface SourceDoc {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export function parseSource(file: string, text: string): { source: SourceDoc; issues: LocatedIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const issues: LocatedIssue[] = [...doc.errors, ...doc.warnings].map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    const message = error.message.split("\n")[0] ?? error.message;
    return {
      file,
      path: [],
      line: pos.line,
      column: pos.col,
      message: `YAML: ${message.replace(/ at line \d+, column \d+:?$/, "")}`,
      hint: "fix the YAML syntax at this place",
    };
  });
  return { source: { file, text, doc, lineCounter }, issues };
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
