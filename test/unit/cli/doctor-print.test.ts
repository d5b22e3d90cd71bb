// doctor's findings on a terminal stay within 100 columns with the fix on a line of its own; into a
// pipe each finding stays one line, for grep.
import assert from "node:assert/strict";
import { test } from "node:test";
import { printedFinding } from "../../../src/cli/commands/doctor.js";
import type { Finding } from "../../../src/doctor/finding.js";

const finding: Finding = {
  level: "problem",
  subject: "stage",
  message: "/var/tmp/some/rather/long/path/to/a/build/host/volume/stage does not exist or is not a directory that binpkgbot can use",
  fix: "create it from a stage3 tarball: binpkgbot stage init --from stage3-amd64-systemd-20261124T170000Z.tar.xz -c /etc/binpkgbot/binpkgbot.yml",
};

test("on a terminal: wrapped to at most 100 columns, the fix on its own indented lines, no word lost", () => {
  const lines = printedFinding(finding, 160);
  for (const line of lines) assert.ok(line.length <= 100, `${line.length}: ${line}`);
  assert.match(lines[0] ?? "", /^problem: stage: \/var\/tmp\//);
  const fixAt = lines.findIndex((line) => line.startsWith("    fix: create it"));
  assert.ok(fixAt > 0, lines.join("\n"));
  assert.equal(lines.join(" ").replace(/\s+/g, " "), `problem: stage: ${finding.message} fix: ${finding.fix}`);
  assert.ok(printedFinding(finding, 70).every((line) => line.length <= 70), "a narrower terminal, narrower lines");
});

test("into a pipe: one line per finding", () => {
  assert.deepEqual(printedFinding(finding, undefined), [`problem: stage: ${finding.message}; fix: ${finding.fix}`]);
});
