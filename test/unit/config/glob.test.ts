import assert from "node:assert/strict";
import { test } from "node:test";
import { matchSegment, matchWildcard, segmentMatcher, type MatchSteps } from "../../../src/config/glob.js";

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
