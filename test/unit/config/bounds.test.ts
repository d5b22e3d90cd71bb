// Values the schema and the atom checks must refuse, each named in the message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function problems(text: string): string[] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
  assert.equal(result.ok, false, "the config must be rejected");
  return result.ok ? [] : result.issues.map(formatIssue);
}

test("stage_generations below its minimum of 1 is refused", () => {
  assert.deepEqual(problems(`${HEAD}stage_generations: 0\n`), [
    "/c/binpkgbot.yml:5:20: stage_generations: expected a whole number of at least 1, got 0",
  ]);
  assert.match(problems(`${HEAD}stage_generations: 1.5\n`)[0] ?? "", /stage_generations: expected a whole number of at least 1, got 1.5/);
});

for (const key of ["mask", "unmask"]) {
  test(`${key} entries are checked as atoms: a shell command after the atom is refused`, () => {
    assert.deepEqual(problems(`${HEAD}tasks:\n  - install: {atom: app-misc/foo, ${key}: ['dev-libs/x;reboot']}\n`), [
      `/c/binpkgbot.yml:6:${49 + key.length}: tasks[0].install.${key}[0]: bad atom 'dev-libs/x;reboot': ';' is not allowed in an atom ('dev-libs/x;reboot')`,
    ]);
  });
}
