// Commands a run's messages name work as written from any directory: `-c` and the config's path, quoted for a shell.
import assert from "node:assert/strict";
import { test } from "node:test";
import { binpkgbotCommand } from "../../../src/engine/cli-hint.js";

test("a command named in a message carries -c and the config's path, quoted where a shell needs it", () => {
  assert.equal(binpkgbotCommand("/etc/binpkgbot/binpkgbot.yml", "stage shell --failed install-x"), "binpkgbot stage shell --failed install-x -c /etc/binpkgbot/binpkgbot.yml");
  assert.equal(binpkgbotCommand("/etc/binpkgbot/arm 64.yml", "log world"), "binpkgbot log world -c '/etc/binpkgbot/arm 64.yml'");
});
