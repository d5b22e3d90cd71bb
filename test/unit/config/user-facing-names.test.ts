// People write config keys as in binpkgbot.yml (state_dir), so no message, help text or hint may name
// them in the code's camelCase (stateDir). The check reads the words in the string literals of src/.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { configSchema } from "../../../src/config/schema.js";
import { repoRoot } from "../../support/fixtures.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** The text of every string and template part that reads as words (has a space): messages, hints, help. */
function literalTexts(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const texts: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      if (node.text.includes(" ")) texts.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return texts;
}

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
const keys = Object.keys((configSchema.json() as { properties: Record<string, unknown> }).properties);
const camelKeys = keys.filter((key) => key.includes("_")).map(camel);

test("no string in src names a config key in camelCase (stateDir instead of state_dir)", () => {
  const found: string[] = [];
  for (const file of sourceFiles(path.join(repoRoot, "src"))) {
    for (const literal of literalTexts(file)) {
      for (const key of camelKeys) {
        if (new RegExp(`\\b${key}\\b`).test(literal)) found.push(`${path.relative(repoRoot, file)}: ${key} in ${literal.slice(0, 80)}`);
      }
    }
  }
  assert.deepEqual(found, []);
});
