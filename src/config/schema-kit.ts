// A small schema language: one definition gives the TypeScript type, the defaults, the descriptions,
// the validation (with key paths, on YAML nodes) and the JSON Schema for editors.
import { isAlias, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { suggest, type ConfigIssue, type PathSegment } from "./issues.js";

export type Shape = "string" | "boolean" | "number" | "null" | "map" | "seq";
export type JsonSchema = Record<string, unknown>;

export interface ParseContext {
  file: string;
  issues: ConfigIssue[];
}

export interface Schema<T> {
  readonly shapes: readonly Shape[];
  /** The value, or undefined after recording issues. */
  parse(node: unknown, path: readonly PathSegment[], ctx: ParseContext): T | undefined;
  json(): JsonSchema;
}

export function shapeOf(node: unknown): Shape {
  if (isMap(node)) return "map";
  if (isSeq(node)) return "seq";
  if (isScalar(node)) {
    const value = node.value;
    if (typeof value === "string") return "string";
    if (typeof value === "boolean") return "boolean";
    if (typeof value === "number") return "number";
  }
  return "null";
}

const shapeNames: Record<Shape, string> = {
  string: "a string", boolean: "true or false", number: "a number", null: "nothing", map: "a mapping", seq: "a list",
};

export function describeShapes(shapes: readonly Shape[]): string {
  return shapes.map((shape) => shapeNames[shape]).join(" or ");
}

/** binpkgbot reads the YAML document as written and never expands aliases (*name): say so, not "got nothing". */
function isUnexpandedAlias(node: unknown, path: readonly PathSegment[], ctx: ParseContext): boolean {
  if (!isAlias(node)) return false;
  ctx.issues.push({ file: ctx.file, path, message: `the YAML alias '*${node.source}' is not expanded in binpkgbot's config`, hint: "write the value out here instead of the alias" });
  return true;
}

export function expect(node: unknown, shapes: readonly Shape[], path: readonly PathSegment[], ctx: ParseContext): boolean {
  if (isUnexpandedAlias(node, path, ctx)) return false;
  const shape = shapeOf(node);
  if (shapes.includes(shape)) return true;
  ctx.issues.push({ file: ctx.file, path, message: `expected ${describeShapes(shapes)}, got ${shapeNames[shape]}` });
  return false;
}

export function string(description: string): Schema<string> {
  return {
    shapes: ["string"],
    parse: (node, path, ctx) => (expect(node, ["string"], path, ctx) ? String((node as { value: string }).value) : undefined),
    json: () => ({ type: "string", description }),
  };
}

export function boolean(description: string): Schema<boolean> {
  return {
    shapes: ["boolean"],
    parse: (node, path, ctx) => (expect(node, ["boolean"], path, ctx) ? Boolean((node as { value: boolean }).value) : undefined),
    json: () => ({ type: "boolean", description }),
  };
}

export function integer(description: string, minimum: number, maximum?: number): Schema<number> {
  return {
    shapes: ["number"],
    parse(node, path, ctx) {
      if (!expect(node, ["number"], path, ctx)) return undefined;
      const value = (node as { value: number }).value;
      if (Number.isInteger(value) && value >= minimum && (maximum === undefined || value <= maximum)) return value;
      const range = maximum === undefined ? `of at least ${minimum}` : `from ${minimum} to ${maximum}`;
      ctx.issues.push({ file: ctx.file, path, message: `expected a whole number ${range}, got ${value}` });
      return undefined;
    },
    json: () => ({ type: "integer", minimum, ...(maximum === undefined ? {} : { maximum }), description }),
  };
}

/** Only the value `true` (as in `unmask: true`). */
export function literalTrue(description: string): Schema<true> {
  return {
    shapes: ["boolean"],
    parse(node, path, ctx) {
      if (!expect(node, ["boolean"], path, ctx)) return undefined;
      if ((node as { value: boolean }).value === true) return true;
      ctx.issues.push({ file: ctx.file, path, message: "false means nothing here", hint: "remove the key instead" });
      return undefined;
    },
    json: () => ({ const: true, description }),
  };
}

/** Only this one string (as in `jobs: auto`). */
export function constant<const T extends string>(value: T, description: string): Schema<T> {
  return {
    shapes: ["string"],
    parse(node, path, ctx) {
      if (!expect(node, ["string"], path, ctx)) return undefined;
      if ((node as { value: string }).value === value) return value;
      ctx.issues.push({ file: ctx.file, path, message: `expected '${value}' or a number, got '${String((node as { value: string }).value)}'` });
      return undefined;
    },
    json: () => ({ const: value, description }),
  };
}

export interface ListSchema<T> extends Schema<T[]> {
  /** Each item on its own (undefined where it failed), so one bad item does not hide the others' problems. */
  parseItems(node: unknown, path: readonly PathSegment[], ctx: ParseContext): (T | undefined)[] | undefined;
}

export function list<T>(item: Schema<T>, description: string): ListSchema<T> {
  const parseItems = (node: unknown, path: readonly PathSegment[], ctx: ParseContext): (T | undefined)[] | undefined => {
    if (!expect(node, ["seq"], path, ctx) || !isSeq(node)) return undefined;
    return node.items.map((child, index) => item.parse(child, [...path, index], ctx));
  };
  return {
    shapes: ["seq"],
    parseItems,
    parse(node, path, ctx) {
      const values = parseItems(node, path, ctx);
      return values?.every((value) => value !== undefined) ? values as T[] : undefined;
    },
    json: () => ({ type: "array", items: item.json(), description }),
  };
}

/** The first variant whose shape fits the node. */
export type Infer<S> = S extends Schema<infer T> ? T : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function oneOf<S extends readonly Schema<any>[]>(variants: S, description: string): Schema<Infer<S[number]>> {
  const shapes = variants.flatMap((variant) => variant.shapes);
  return {
    shapes,
    parse(node, path, ctx) {
      const shape = shapeOf(node);
      const variant = isAlias(node) ? variants[0] : variants.find((candidate) => candidate.shapes.includes(shape));
      if (!variant) {
        expect(node, shapes, path, ctx);
        return undefined;
      }
      return variant.parse(node, path, ctx);
    },
    json: () => ({ description, anyOf: variants.map((variant) => variant.json()) }),
  };
}

export interface Field<T, Present extends boolean> {
  schema: Schema<T>;
  required: boolean;
  default?: T;
  description: string;
  /** Type-level only: whether the parsed object always has this key. */
  readonly present?: Present;
}

export function required<T>(schema: Schema<T>, description: string): Field<T, true> {
  return { schema, required: true, description };
}

export function optional<T>(schema: Schema<T>, description: string): Field<T, false> {
  return { schema, required: false, description };
}

export function withDefault<T>(schema: Schema<T>, value: T, description: string): Field<T, true> {
  return { schema, required: false, default: value, description };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fields = Record<string, Field<any, boolean>>;
export type ObjectOf<F extends Fields> = {
  [K in keyof F as F[K] extends Field<unknown, true> ? K : never]: F[K] extends Field<infer T, boolean> ? T : never;
} & {
  [K in keyof F as F[K] extends Field<unknown, true> ? never : K]?: F[K] extends Field<infer T, boolean> ? T : never;
};

export interface ObjectSchema<F extends Fields> extends Schema<ObjectOf<F>> {
  /**
   * Parses like parse(), recording the same issues, but a field that fails gets its default or its
   * stand-in instead of failing the whole object, so checks of the other fields can still run.
   * Undefined where the node is not a mapping or a failed field has neither.
   */
  salvage(node: unknown, path: readonly PathSegment[], ctx: ParseContext, standIns: Partial<ObjectOf<F>>): ObjectOf<F> | undefined;
}

export function object<F extends Fields>(fields: F, description: string): ObjectSchema<F> {
  const parseMap = (node: unknown, path: readonly PathSegment[], ctx: ParseContext): ParsedFields | undefined => parseMapping(node, fields, path, ctx);
  return {
    shapes: ["map"],
    parse(node, path, ctx) {
      const parsed = parseMap(node, path, ctx);
      return parsed && parsed.failed.length === 0 ? parsed.result as ObjectOf<F> : undefined;
    },
    salvage(node, path, ctx, standIns) {
      const parsed = parseMap(node, path, ctx);
      if (!parsed) return undefined;
      for (const key of parsed.failed) {
        const fill = fields[key]?.default ?? (standIns as Record<string, unknown>)[key];
        if (fill === undefined && fields[key]?.required) return undefined;
        if (fill !== undefined) parsed.result[key] = fill;
      }
      return parsed.result as ObjectOf<F>;
    },
    json: () => ({
      type: "object",
      description,
      additionalProperties: false,
      required: Object.keys(fields).filter((key) => fields[key]?.required),
      properties: Object.fromEntries(
        Object.entries(fields).map(([key, field]) => [
          key,
          { ...field.schema.json(), description: field.description, ...(field.default !== undefined ? { default: field.default } : {}) },
        ]),
      ),
    }),
  };
}

function parseMapping(node: unknown, fields: Fields, path: readonly PathSegment[], ctx: ParseContext): ParsedFields | undefined {
  const requiredKeys = Object.keys(fields).filter((key) => fields[key]?.required);
  if (shapeOf(node) === "null" && requiredKeys.length > 0 && !isAlias(node)) {
    ctx.issues.push({ file: ctx.file, path, message: "expected a mapping, got nothing", hint: `write its required keys: ${requiredKeys.join(", ")}` });
    return undefined;
  }
  if (!expect(node, ["map"], path, ctx) || !isMap(node)) return undefined;
  return parseFields(node.items, fields, path, ctx);
}

interface ParsedFields {
  result: Record<string, unknown>;
  /** Keys whose value failed or that are required and missing; "" for a key that is not a plain string. */
  failed: string[];
}

function parseFields(items: readonly unknown[], fields: Fields, path: readonly PathSegment[], ctx: ParseContext): ParsedFields {
  const result: Record<string, unknown> = {};
  const failed: string[] = [];
  for (const item of items) {
    if (!isPair(item) || !isScalar(item.key) || typeof item.key.value !== "string") {
      ctx.issues.push({ file: ctx.file, path, message: "keys must be plain strings" });
      failed.push("");
      continue;
    }
    const key = item.key.value;
    const field = fields[key];
    if (!field) {
      const guess = suggest(key, Object.keys(fields));
      ctx.issues.push({
        file: ctx.file, path: [...path, key], at: "key", message: `unknown key '${key}'`,
        hint: guess ? `did you mean '${guess}'?` : `known keys: ${Object.keys(fields).join(", ")}`,
      });
      failed.push("");
      continue;
    }
    const value = field.schema.parse(item.value as Node, [...path, key], ctx);
    if (value === undefined) failed.push(key);
    else result[key] = value;
  }
  for (const [key, field] of Object.entries(fields)) {
    if (key in result || failed.includes(key)) continue;
    if (field.required) {
      ctx.issues.push({ file: ctx.file, path, message: `missing required key '${key}'`, hint: field.description });
      failed.push(key);
    } else if (field.default !== undefined) {
      result[key] = field.default;
    }
  }
  return { result, failed };
}

/** A mapping with exactly one key out of `tags`, like `- install: …` or `- include: …`. */
export function tagged<T extends Record<string, unknown>>(
  tags: { [K in keyof T]: Schema<T[K]> },
  description: string,
): Schema<{ [K in keyof T]: { tag: K; value: T[K] } }[keyof T]> {
  const names = Object.keys(tags);
  return {
    shapes: ["map"],
    parse(node, path, ctx) {
      if (isUnexpandedAlias(node, path, ctx)) return undefined;
      if (!isMap(node)) {
        ctx.issues.push({ file: ctx.file, path, message: `expected a mapping with one of ${names.join(", ")}`, hint: "e.g. '- install: app-misc/foo'" });
        return undefined;
      }
      const keys = node.items.map((item) => (isPair(item) && isScalar(item.key) ? String(item.key.value) : "?"));
      const [key] = keys;
      if (keys.length !== 1 || key === undefined) {
        ctx.issues.push({ file: ctx.file, path, message: `a task has exactly one of ${names.join(", ")}; found ${keys.join(", ") || "none"}`, hint: "indent the task's options under its kind" });
        return undefined;
      }
      const schema = (tags as Record<string, Schema<unknown>>)[key];
      if (!schema) {
        const guess = suggest(key, names);
        ctx.issues.push({ file: ctx.file, path: [...path, key], at: "key", message: `unknown task kind '${key}'`, hint: guess ? `did you mean '${guess}'?` : `use one of ${names.join(", ")}` });
        return undefined;
      }
      const pair = node.items[0];
      const value = schema.parse(isPair(pair) ? pair.value : undefined, [...path, key], ctx);
      return value === undefined ? undefined : ({ tag: key, value } as never);
    },
    json: () => ({
      description,
      oneOf: names.map((name) => ({
        type: "object", additionalProperties: false, required: [name],
        properties: { [name]: (tags as Record<string, Schema<unknown>>)[name]?.json() },
      })),
    }),
  };
}
