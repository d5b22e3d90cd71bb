// The JSON Schema for editors comes from the same definition as the validation.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { renderJsonSchema, taskFileJsonSchema } from "../../../src/config/schema.js";
import { repoRoot } from "../../support/fixtures.js";

const schema = renderJsonSchema() as { required: string[]; additionalProperties: boolean; properties: Record<string, { description?: string; default?: unknown; items?: { oneOf?: { required: string[] }[] } }> };

test("required keys, no unknown keys, a description on every key", () => {
  assert.deepEqual(schema.required, ["stage", "etc_portage", "portage_repo"]);
  assert.equal(schema.additionalProperties, false);
  for (const [key, property] of Object.entries(schema.properties)) assert.ok(property.description, `${key} has a description`);
  assert.equal(schema.properties.portage_repo_location?.default, "/var/db/repos/gentoo");
});

/** Every `description` anywhere in a schema, with its JSON path. */
function descriptions(node: unknown, at = "#"): [string, unknown][] {
  if (typeof node !== "object" || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(key === "description" ? [[at, value] as [string, unknown]] : []),
    ...descriptions(value, `${at}/${key}`),
  ]);
}

// Editors show these on hover and completion at every depth: tasks, their modifiers, binds, sync, notify, signing.
test("every description at every depth of both schema files says something", () => {
  for (const [name, rendered] of [["binpkgbot", renderJsonSchema()], ["tasks", taskFileJsonSchema()]] as const) {
    const found = descriptions(rendered);
    assert.ok(found.length > 50, `${name}: ${found.length} descriptions`);
    for (const [at, text] of found) assert.ok(typeof text === "string" && text.trim().length > 3, `${name} ${at}: ${JSON.stringify(text)}`);
  }
});

test("tasks are one of upgrade, install, include, run, server", () => {
  const kinds = schema.properties.tasks?.items?.oneOf?.map((variant) => variant.required[0]);
  assert.deepEqual(kinds, ["upgrade", "install", "include", "run", "server"]);
});

// The build does not write schema/: a definition changed without `npm run schema` fails here.
test("the committed schema files are what `npm run schema` generates from the current definition", () => {
  const committed = (name: string): unknown => JSON.parse(readFileSync(path.join(repoRoot, "schema", name), "utf8"));
  assert.deepEqual(committed("binpkgbot.schema.json"), renderJsonSchema(), "schema/binpkgbot.schema.json is stale: run npm run schema");
  assert.deepEqual(committed("binpkgbot-tasks.schema.json"), taskFileJsonSchema(), "schema/binpkgbot-tasks.schema.json is stale: run npm run schema");
});
