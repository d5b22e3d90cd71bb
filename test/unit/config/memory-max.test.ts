// memory_max: sizes as systemd's MemoryMax= reads them (base 1024), and a clear issue for anything else.
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeMemoryMax, parseSize } from "../../../src/config/memory-max.js";

test("K, M, G and T are powers of 1024, in either case, and a bare number is bytes", () => {
  assert.deepEqual(parseSize("4G"), { ok: true, bytes: 4 * 1024 ** 3 });
  assert.deepEqual(parseSize("512M"), { ok: true, bytes: 512 * 1024 ** 2 });
  assert.deepEqual(parseSize("65536k"), { ok: true, bytes: 64 * 1024 ** 2 });
  assert.deepEqual(parseSize("1t"), { ok: true, bytes: 1024 ** 4 });
  assert.deepEqual(parseSize(" 64 M "), { ok: true, bytes: 64 * 1024 ** 2 });
  assert.deepEqual(parseSize("16777216"), { ok: true, bytes: 16 * 1024 ** 2 });
});

test("units systemd does not take, fractions, signs and words are not sizes", () => {
  for (const text of ["4GB", "4GiB", "1.5G", "-1G", "G", "", "4 G B", "infinity", "4P"]) {
    const parsed = parseSize(text);
    assert.equal(parsed.ok, false, text);
    if (!parsed.ok) assert.equal(parsed.message, `'${text}' is not a size`);
  }
});

test("less than 16M is refused as a likely missing unit, and 16M itself is taken", () => {
  const parsed = parseSize("64");
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.equal(parsed.message, "'64' is 64 bytes, too little for a container (at least 16M)");
  assert.equal(parseSize("16383K").ok, false);
  assert.deepEqual(parseSize("16M"), { ok: true, bytes: 16 * 1024 ** 2 });
});

test("a size too large for a safe integer is refused, not rounded", () => {
  const parsed = parseSize("9999999999999999T");
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.match(parsed.message, /larger than any host's memory/);
});

test("absent means no limit without an issue; a bad value reports one at memory_max with the fix", () => {
  const issues: object[] = [];
  assert.equal(normalizeMemoryMax(undefined, (issue) => issues.push(issue)), null);
  assert.equal(normalizeMemoryMax("2G", (issue) => issues.push(issue)), 2 * 1024 ** 3);
  assert.equal(issues.length, 0);
  assert.equal(normalizeMemoryMax("2 gigs", (issue) => issues.push(issue)), null);
  assert.deepEqual(issues, [{ path: ["memory_max"], message: "'2 gigs' is not a size", hint: "write a whole number with K, M, G or T (base 1024), e.g. memory_max: 4G or memory_max: 512M" }]);
});
