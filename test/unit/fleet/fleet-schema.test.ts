// schema/binpkgbot-fleet.schema.json is generated from the loader's own definition, and the example
// fleet in examples/ loads as written.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { loadFleet } from "../../../src/fleet/fleet-config.js";
import { renderFleetJsonSchema } from "../../../src/fleet/fleet-schema.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { repoRoot } from "../../support/fixtures.js";

// The build does not write schema/: a definition changed without `npm run schema` fails here.
test("the committed fleet schema is what `npm run schema` generates from the current definition", () => {
  const committed: unknown = JSON.parse(readFileSync(path.join(repoRoot, "schema", "binpkgbot-fleet.schema.json"), "utf8"));
  assert.deepEqual(committed, renderFleetJsonSchema(), "schema/binpkgbot-fleet.schema.json is stale: run npm run schema");
});

test("the fleet schema requires targets, and arch and profile among a target's labels", () => {
  const schema = renderFleetJsonSchema() as { required: string[]; properties: { targets: { additionalProperties: { required: string[]; properties: { labels: { required: string[] } } } } } };
  assert.deepEqual(schema.required, ["targets"]);
  assert.deepEqual(schema.properties.targets.additionalProperties.required, ["config", "labels"]);
  assert.deepEqual(schema.properties.targets.additionalProperties.properties.labels.required, ["arch", "profile"]);
});

test("the example fleet loads: two targets with their labels, each with its own config", () => {
  const result = loadFleet(path.join(repoRoot, "examples", "binpkgbot-fleet.yml"), diskConfigFiles);
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  assert.deepEqual(result.fleet.targets.map((target) => [target.name, path.relative(repoRoot, target.configPath), target.labels.arch]), [
    ["amd64-desktop", "examples/binpkgbot.yml", "amd64"],
    ["arm64-server", "examples/fleet/arm64-server.yml", "arm64"],
  ]);
  assert.equal(result.configs.size, 2);
});
