// The default state directory is named after the config file without its .yml or .yaml ending.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultStateDir } from "../../../src/config/default-state-dir.js";

test("only a .yml or .yaml at the end of the file name is dropped", () => {
  assert.match(defaultStateDir("/etc/binpkgbot/stage.yml.old"), /^\/var\/lib\/binpkgbot\/stage\.yml\.old-[0-9a-f]{8}$/);
  assert.match(defaultStateDir("/etc/binpkgbot/a.yaml.d.yml"), /^\/var\/lib\/binpkgbot\/a\.yaml\.d-[0-9a-f]{8}$/);
  assert.match(defaultStateDir("/etc/binpkgbot/Server.YML"), /^\/var\/lib\/binpkgbot\/Server-[0-9a-f]{8}$/);
});
