// A command's arguments: util.parseArgs' errors become binpkgbot's usage errors with a "did you mean".
import assert from "node:assert/strict";
import { test } from "node:test";
import { CliError, ExitCode } from "../../../src/cli/exit-codes.js";
import { closest, editDistance, parseCommandArgs } from "../../../src/cli/parse-args.js";

const options = { "fail-fast": { type: "boolean" }, force: { type: "boolean" }, limit: { type: "string" } } as const;

function usageError(args: string[]): string {
  try {
    parseCommandArgs("run", { args, options, strict: true });
  } catch (error) {
    assert.ok(error instanceof CliError, String(error));
    assert.equal(error.exitCode, ExitCode.usage);
    return error.message;
  }
  return assert.fail(`${args.join(" ")} was accepted`);
}

test("edit distance counts a swap of neighbours as one edit", () => {
  assert.equal(editDistance("plna", "plan"), 1);
  assert.equal(editDistance("fail-fats", "fail-fast"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
});

test("a typo gets the nearest candidate; a word far from all gets none", () => {
  assert.equal(closest("plna", ["run", "plan", "validate"]), "plan");
  assert.equal(closest("stauts", ["status", "stage"]), "status");
  assert.equal(closest("frob", ["fail-fast", "force", "limit"]), undefined);
});

test("unknown options, stray arguments and missing values are one line in binpkgbot's words", () => {
  assert.equal(usageError(["--fail-fats"]), "run: unknown option --fail-fats: did you mean --fail-fast? (binpkgbot run --help lists what it takes)");
  assert.equal(usageError(["--confg"]), "run: unknown option --confg: did you mean --config? (binpkgbot run --help lists what it takes)");
  assert.equal(usageError(["--frob"]), "run: unknown option --frob (binpkgbot run --help lists what it takes)");
  assert.equal(usageError(["extra"]), "run: unexpected argument 'extra' (binpkgbot run --help lists what it takes)");
  assert.match(usageError(["--limit"]), /^run: --limit needs a value, as in --limit=VALUE/);
  assert.match(usageError(["--force=yes"]), /^run: --force takes no value/);
});

test("known options parse as util.parseArgs does", () => {
  const { values } = parseCommandArgs("run", { args: ["--fail-fast", "--limit", "3"], options, strict: true });
  assert.deepEqual({ ...values }, { "fail-fast": true, limit: "3" });
});
