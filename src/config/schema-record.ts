// A mapping whose keys the admin names (a fleet's targets, a target's labels), beside schema-kit's
// `object`, whose keys are fixed. Same conventions: issues on YAML nodes with key paths, one JSON Schema.
import { isMap, isPair, isScalar } from "yaml";
import type { PathSegment } from "./issues.js";
import { expect, type JsonSchema, type ParseContext, type Schema } from "./schema-kit.js";

export interface KeyRule {
  /** Keys must match this whole. */
  pattern: RegExp;
  /** What a key is, for messages: "a target name". */
  what: string;
  /** What to do about a bad key. */
  hint: string;
}

/** Every key checked against `key`, every value against `value`; one bad entry does not hide the others' problems. */
export function record<T>(value: Schema<T>, key: KeyRule, description: string): Schema<Record<string, T>> {
  return {
    shapes: ["map"],
    parse(node, path, ctx) {
      if (!expect(node, ["map"], path, ctx) || !isMap(node)) return undefined;
      const result: Record<string, T> = {};
      let failed = false;
      for (const item of node.items) {
        const name = isPair(item) && isScalar(item.key) && typeof item.key.value === "string" ? item.key.value : undefined;
        if (name === undefined || !key.pattern.test(name)) {
          failed = true;
          reportKey(name, key, path, ctx);
          continue;
        }
        const parsed = value.parse(isPair(item) ? item.value : undefined, [...path, name], ctx);
        if (parsed === undefined) failed = true;
        else result[name] = parsed;
      }
      return failed ? undefined : result;
    },
    json: (): JsonSchema => ({
      type: "object", description, propertyNames: { pattern: key.pattern.source }, additionalProperties: value.json(),
    }),
  };
}

function reportKey(name: string | undefined, key: KeyRule, path: readonly PathSegment[], ctx: ParseContext): void {
  if (name === undefined) {
    ctx.issues.push({ file: ctx.file, path, message: `keys here are ${key.what}s, plain strings`, hint: key.hint });
    return;
  }
  ctx.issues.push({ file: ctx.file, path: [...path, name], at: "key", message: `'${name}' is not ${key.what}`, hint: key.hint });
}
