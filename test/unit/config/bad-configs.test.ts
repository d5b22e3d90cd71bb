// The corpus of bad configs: each case's binpkgbot.yml must give exactly the problems in its expected.txt,
// with file, line, column, key path and message.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { assertGolden, fixture } from "../../support/fixtures.js";

const corpus = fixture("bad-configs");
const cases = readdirSync(corpus).sort();

test("the corpus holds at least 30 bad configs", () => {
  assert.ok(cases.length >= 30, `${cases.length} cases`);
});

for (const name of cases) {
  test(`bad config ${name}`, () => {
    const dir = path.join(corpus, name);
    const result = loadConfig(path.join(dir, "binpkgbot.yml"), diskConfigFiles);
    assert.equal(result.ok, false, "the config must be rejected");
    if (result.ok) return;
    const lines = result.issues.map((issue) => formatIssue({ ...issue, file: path.relative(dir, issue.file) }).replaceAll(dir, "<case>"));
    for (const issue of result.issues) {
      assert.ok(issue.line >= 1 && issue.column >= 1, `position of: ${issue.message}`);
    }
    assertGolden(path.join(dir, "expected.txt"), `${lines.join("\n")}\n`);
  });
}
