// log_retention's day form: digits, then 'd', with blanks around and between them allowed, and nothing else.
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeLogRetention, type LogRetention } from "../../../src/config/log-retention.js";

function parse(value: string): { rule: LogRetention; issues: string[] } {
  const issues: string[] = [];
  return { rule: normalizeLogRetention(value, (issue) => issues.push(issue.message)), issues };
}

test("blanks around the number and the 'd' are allowed", () => {
  assert.deepEqual(parse(" 14 d "), { rule: { kind: "days", days: 14 }, issues: [] });
  assert.deepEqual(parse("7d"), { rule: { kind: "days", days: 7 }, issues: [] });
});

test("anything before the number, between it and the 'd' or after the 'd' is refused, and 30 days apply", () => {
  for (const value of ["x30d", "30dx", "30xd", "30 days", "30d0", "-3d"]) {
    assert.deepEqual(parse(value), { rule: { kind: "days", days: 30 }, issues: [`'${value}' is neither a number of runs nor a number of days`] }, value);
  }
});
