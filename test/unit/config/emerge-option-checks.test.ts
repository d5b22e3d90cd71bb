// Which emerge options change what every emerge of a run does, by their short letter or long name,
// and what binpkgbot says about each (man/emerge.1, lib/_emerge/main.py shortmapping).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkEmergeOptionMeaning } from "../../../src/config/emerge-option-checks.js";
import type { ConfigIssue } from "../../../src/config/issues.js";

type Finding = Pick<ConfigIssue, "message" | "hint" | "severity">;

function findings(option: string): Finding[] {
  const found: Finding[] = [];
  checkEmergeOptionMeaning(option, (finding) => found.push(finding));
  return found;
}

const shown = (option: string): string[] => findings(option).map((finding) => finding.message.split(":")[0] ?? "");

test("each short letter Portage maps is named with its long option", () => {
  const letters: Record<string, string> = {
    a: "--ask", B: "--buildpkgonly", c: "--depclean", C: "--unmerge", f: "--fetchonly", F: "--fetch-all-uri",
    h: "--help", p: "--pretend", P: "--prune", r: "--resume", s: "--search", S: "--searchdesc", V: "--version",
  };
  for (const [letter, long] of Object.entries(letters)) {
    assert.deepEqual(shown(`-${letter}`), [`'-${letter}' (${long})`], letter);
  }
  assert.deepEqual(shown("-aC"), ["'-aC' (--ask)", "'-aC' (--unmerge)"]);
  assert.deepEqual(findings("-v"), [], "-v (--verbose) changes nothing a build needs");
});

test("--prune and --rage-clean are refused: every install would become a removal", () => {
  for (const option of ["--prune", "--rage-clean"]) {
    assert.deepEqual(findings(option), [{ message: `'${option}': every install and upgrade becomes a removal of the package from the stage`, hint: "remove it" }]);
  }
});

test("--ask is refused unless its answer is n or no, in any case", () => {
  const refused = (option: string): Finding[] => [{ message: `'${option}' (--ask): emerge refuses it without a terminal, and builds run without one, so every task would fail`, hint: "remove it, or write --ask=n" }];
  assert.deepEqual(findings("--ask"), [{ message: "'--ask': emerge refuses it without a terminal, and builds run without one, so every task would fail", hint: "remove it, or write --ask=n" }]);
  for (const answer of ["y", "yes", "nope", "on", "ano"]) assert.deepEqual(findings(`--ask=${answer}`), refused(`--ask=${answer}`), answer);
  for (const answer of ["n", "no", "N", "No"]) assert.deepEqual(findings(`--ask=${answer}`), [], answer);
});

test("only a whole option is read as its long name", () => {
  assert.deepEqual(findings("x--ask"), []);
  assert.deepEqual(findings("--ask y"), []);
  assert.deepEqual(findings("--pretend!"), []);
  assert.deepEqual(findings("--pretendx"), []);
});
