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

test("tasks are one of upgrade, install, include, run", () => {
  const kinds = schema.properties.tasks?.items?.oneOf?.map((variant) => variant.required[0]);
  assert.deepEqual(kinds, ["upgrade", "install", "include", "run"]);
});

// The build does not write schema/: a definition changed without `npm run schema` fails here.
test("the committed schema files are what `npm run schema` generates from the current definition", () => {
  const committed = (name: string): unknown => JSON.parse(readFileSync(path.join(repoRoot, "schema", name), "utf8"));
  assert.deepEqual(committed("binpkgbot.schema.json"), renderJsonSchema(), "schema/binpkgbot.schema.json is stale: run npm run schema");
  assert.deepEqual(committed("binpkgbot-tasks.schema.json"), taskFileJsonSchema(), "schema/binpkgbot-tasks.schema.json is stale: run npm run schema");
});
