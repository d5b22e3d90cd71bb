import assert from "node:assert/strict";
import { test } from "node:test";
import { compareFileNames, controlCharacterIn, matchSegment, matchWildcard, segmentMatcher, type MatchSteps } from "../../../src/config/glob.js";

const matches = (pattern: string, name: string): boolean => segmentMatcher(pattern).test(name);

test("*, ? and [...] match as in a shell", () => {
  assert.ok(matches("*.yml", "10-base.yml"));
  assert.ok(!matches("*.yml", "10-base.yaml"));
  assert.ok(matches("??-*.yml", "10-base.yml"));
  assert.ok(!matches("?-*.yml", "10-base.yml"));
  assert.ok(matches("[0-9]*", "7z.yml"));
  assert.ok(!matches("[0-9]*", "a7.yml"));
  assert.ok(matches("[!0-9]*", "a7.yml"));
  assert.ok(matches("[^0-9]*", "a7.yml"));
  assert.ok(!matches("[!0-9]*", "7a.yml"));
  assert.ok(matches("[ab-]x", "-x"), "a '-' at the end of a set is literal");
  assert.ok(matches("[]]x", "]x"), "a ']' right after '[' belongs to the set");
  assert.ok(matches("a[b", "a[b"), "an unclosed '[' is literal");
  assert.ok(matches("a.b+c(d)", "a.b+c(d)"), "regex characters are literal");
  assert.ok(!matches("a.b", "axb"));
  assert.ok(matches("*", ""));
  assert.ok(matches("**x**", "x"));
  assert.ok(matches("?", "é"), "'?' is one character, not one UTF-16 unit");
  assert.ok(matches("?", "😀"));
});

test("a wildcard does not match a leading dot; a pattern that starts with a dot does", () => {
  assert.deepEqual(matchSegment("*.yml", [".hidden.yml", "a.yml"]), ["a.yml"]);
  assert.deepEqual(matchSegment(".*.yml", [".hidden.yml", "a.yml"]), [".hidden.yml"]);
});

test("a pattern with many stars against a long name needs at most name × pattern steps", () => {
  // A backtracking regex (the former matcher) needs on the order of 200^6 steps here: it ran for hours.
  const name = "a".repeat(200);
  const counter: MatchSteps = { steps: 0 };
  assert.equal(matchWildcard("*a*a*a*a*a*a*b", name, counter), false);
  assert.ok(counter.steps <= (name.length + 1) * 15, `${counter.steps} steps`);
  assert.equal(matchWildcard("*a*a*a*a*a*a*b", `${name}b`), true);
  assert.equal(matchWildcard("*a*?*[a]*a*a*a", name), true);
});

test("a ']' with no '[' before it is a literal character", () => {
  assert.ok(matches("ab]", "ab]"));
  assert.ok(!matches("ab]", "b"));
  assert.ok(matches("v[12]-x].yml", "v2-x].yml"));
});

test("a negated set holds the characters after '!', not the '!' itself", () => {
  assert.ok(matches("[!a]", "!"));
  assert.ok(matches("[!a]", "["));
  assert.ok(!matches("[!a]", "a"));
});

test("a range in a set has an upper end", () => {
  assert.ok(matches("[a-c].yml", "c.yml"));
  assert.ok(!matches("[a-c].yml", "d.yml"));
  assert.ok(!matches("[0-4]*", "9-late.yml"));
});

test("the step counter counts up, at least one step per character of the name", () => {
  const counter: MatchSteps = { steps: 0 };
  assert.equal(matchWildcard("*.yml", "10-base.yml", counter), true);
  assert.ok(counter.steps >= "10-base.yml".length, `${counter.steps} steps`);
});

test("control characters in a file name are found, DEL too; a space is none", () => {
  assert.equal(controlCharacterIn("my stage.yml"), undefined);
  assert.equal(controlCharacterIn("a\nb.yml"), "\n");
  assert.equal(controlCharacterIn("a\x7fb.yml"), "\x7f");
  assert.equal(controlCharacterIn("a\x1fb.yml"), "\x1f");
});

test("file names sort by code unit, both ways round, and equal names compare equal", () => {
  assert.equal(compareFileNames("02-bar.yml", "10-foo.yml"), -1);
  assert.equal(compareFileNames("10-foo.yml", "02-bar.yml"), 1);
  assert.equal(compareFileNames("a.yml", "a.yml"), 0);
  assert.deepEqual(["b.yml", "B.yml", "10-x.yml", "02-y.yml"].sort(compareFileNames), ["02-y.yml", "10-x.yml", "B.yml", "b.yml"]);
});
