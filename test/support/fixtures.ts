// Where test fixtures live, and golden-file comparison (UPDATE_GOLDEN=1 rewrites the expected files).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, from build/test/support/fixtures.js. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const fixturesDir = path.join(repoRoot, "test", "fixtures");

export function fixture(...parts: string[]): string {
  return path.join(fixturesDir, ...parts);
}

export function assertGolden(expectedFile: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(path.dirname(expectedFile), { recursive: true });
    writeFileSync(expectedFile, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(expectedFile, "utf8");
  } catch {
    assert.fail(`golden file ${path.relative(repoRoot, expectedFile)} is missing; create it with UPDATE_GOLDEN=1 npm test`);
  }
  assert.equal(actual, expected, `differs from ${path.relative(repoRoot, expectedFile)}`);
}
