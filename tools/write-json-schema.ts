// `npm run schema` writes the JSON Schemas for editors (yaml-language-server) from the one schema in
// src/config/schema.ts (and the fleet file's in src/fleet/fleet-schema.ts). The build does not:
// test/unit/config/json-schema.test.ts fails on a stale committed file.
import { writeFileSync } from "node:fs";
import { renderJsonSchema, taskFileJsonSchema } from "../src/config/schema.js";
import { renderFleetJsonSchema } from "../src/fleet/fleet-schema.js";

const [configTarget = "schema/binpkgbot.schema.json", tasksTarget = "schema/binpkgbot-tasks.schema.json", fleetTarget = "schema/binpkgbot-fleet.schema.json"] = process.argv.slice(2);
writeFileSync(configTarget, `${JSON.stringify(renderJsonSchema(), null, 2)}\n`);
writeFileSync(tasksTarget, `${JSON.stringify(taskFileJsonSchema(), null, 2)}\n`);
writeFileSync(fleetTarget, `${JSON.stringify(renderFleetJsonSchema(), null, 2)}\n`);
