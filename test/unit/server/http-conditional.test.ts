import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { decideRange, factsFromStats, isNotModified, planFileResponse, renderETag, renderLastModified } from "../../../src/server/http-conditional.js";

const stats = { ino: 42n, size: 1000n, mtimeNs: 1_700_000_000_500_000_000n, ctimeNs: 1_700_000_000_600_000_000n };
const file = factsFromStats(stats);
const etag = renderETag(file);
const lastModified = renderLastModified(file);
const validators = { etag, lastModified };

describe("validators", () => {
  it("change with inode, size, mtime and change time, to the nanosecond", () => {
    assert.notEqual(renderETag(factsFromStats({ ...stats, ino: 43n })), etag);
    assert.notEqual(renderETag(factsFromStats({ ...stats, size: 1001n })), etag);
    assert.notEqual(renderETag(factsFromStats({ ...stats, mtimeNs: stats.mtimeNs + 1n })), etag);
    // A rewrite in place with the same size and whole-second mtime only moves the change time.
    assert.notEqual(renderETag(factsFromStats({ ...stats, ctimeNs: stats.ctimeNs + 1n })), etag);
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(file.mtimeMs, 1_700_000_000_500);
  });
  it("Last-Modified is the whole second", () => {
    assert.equal(lastModified, "Tue, 14 Nov 2023 22:13:20 GMT");
  });
});

describe("isNotModified", () => {
  it("If-Modified-Since at or after the mtime", () => {
    assert.equal(isNotModified({ ifModifiedSince: lastModified }, etag, file), true);
    assert.equal(isNotModified({ ifModifiedSince: "Tue, 14 Nov 2023 22:13:19 GMT" }, etag, file), false);
    assert.equal(isNotModified({ ifModifiedSince: "not a date" }, etag, file), false);
    assert.equal(isNotModified({}, etag, file), false);
  });
  it("If-None-Match wins over If-Modified-Since", () => {
    assert.equal(isNotModified({ ifNoneMatch: etag }, etag, file), true);
    assert.equal(isNotModified({ ifNoneMatch: `"other", W/${etag}` }, etag, file), true);
    assert.equal(isNotModified({ ifNoneMatch: "*" }, etag, file), true);
    assert.equal(isNotModified({ ifNoneMatch: '"other"', ifModifiedSince: lastModified }, etag, file), false);
  });
});

describe("decideRange", () => {
  const cases: [string | undefined, ReturnType<typeof decideRange>][] = [
    [undefined, { kind: "full" }],
    ["bytes=0-99", { kind: "partial", start: 0, end: 99 }],
    ["bytes=900-", { kind: "partial", start: 900, end: 999 }],
    ["bytes=900-5000", { kind: "partial", start: 900, end: 999 }],
    ["bytes=-100", { kind: "partial", start: 900, end: 999 }],
    ["bytes=-5000", { kind: "partial", start: 0, end: 999 }],
    ["bytes=1000-", { kind: "unsatisfiable" }],
    ["bytes=-0", { kind: "unsatisfiable" }],
    ["bytes=5-1", { kind: "full" }],
    ["bytes=0-1,5-6", { kind: "full" }],
    ["items=0-1", { kind: "full" }],
    ["bytes=-", { kind: "full" }],
  ];
  for (const [header, expected] of cases) {
    it(String(header), () => assert.deepEqual(decideRange(header, undefined, validators, 1000), expected));
  }
  it("an empty file has no satisfiable range", () => {
    assert.deepEqual(decideRange("bytes=0-", undefined, validators, 0), { kind: "unsatisfiable" });
  });
  it("If-Range that no longer matches sends the whole file", () => {
    assert.deepEqual(decideRange("bytes=10-", etag, validators, 1000), { kind: "partial", start: 10, end: 999 });
    assert.deepEqual(decideRange("bytes=10-", lastModified, validators, 1000), { kind: "partial", start: 10, end: 999 });
    assert.deepEqual(decideRange("bytes=10-", '"stale"', validators, 1000), { kind: "full" });
    assert.deepEqual(decideRange("bytes=10-", "Mon, 01 Jan 2001 00:00:00 GMT", validators, 1000), { kind: "full" });
  });
});

describe("planFileResponse", () => {
  it("304 keeps the validators and has no body", () => {
    const plan = planFileResponse({ ifModifiedSince: lastModified }, file, "text/plain");
    assert.deepEqual(plan, { kind: "no-body", status: 304, headers: { ETag: etag, "Last-Modified": lastModified, "Accept-Ranges": "bytes" } });
  });
  it("206 carries Content-Range and the part's length", () => {
    const plan = planFileResponse({ range: "bytes=10-19" }, file, "application/x-tar");
    assert.equal(plan.kind, "body");
    assert.equal(plan.status, 206);
    assert.equal(plan.headers["Content-Range"], "bytes 10-19/1000");
    assert.equal(plan.headers["Content-Length"], 10);
  });
  it("416 names the size", () => {
    const plan = planFileResponse({ range: "bytes=2000-" }, file, "application/x-tar");
    assert.deepEqual([plan.status, plan.headers["Content-Range"]], [416, "bytes */1000"]);
  });
});
