import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { parseToken, readTokenFile, TokenFileError, tokensMatch } from "../../../src/report/report-token.js";

const token = "3f1c9a7e5b2d4068a1e0c7b9d2f4a6e8";

describe("tokensMatch", () => {
  it("accepts the same token", () => assert.equal(tokensMatch(token, token), true));
  it("refuses another token of the same length", () => assert.equal(tokensMatch(token.replace(/.$/, "0"), token), false));
  it("refuses a prefix and an extension without throwing on the length difference", () => {
    assert.equal(tokensMatch(token.slice(0, -1), token), false);
    assert.equal(tokensMatch(`${token}x`, token), false);
    assert.equal(tokensMatch("", token), false);
  });
  it("never matches a configured token shorter than 16 characters, even presented exactly", () => {
    assert.equal(tokensMatch("short", "short"), false);
    assert.equal(tokensMatch("", ""), false);
  });
});

describe("token files", () => {
  it("the token is the first line, trimmed", () => assert.equal(parseToken(`  ${token}  \nsecond line\n`), token));
  it("reads a token file and refuses a short token with the fix", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-token-"));
    try {
      writeFileSync(path.join(dir, "good"), `${token}\n`);
      assert.equal(await readTokenFile(path.join(dir, "good")), token);
      writeFileSync(path.join(dir, "short"), "abc\n");
      await assert.rejects(readTokenFile(path.join(dir, "short")), (e: unknown) => e instanceof TokenFileError && /openssl rand -hex 32/.test(e.message));
      await assert.rejects(readTokenFile(path.join(dir, "missing")), (e: unknown) => e instanceof TokenFileError && /cannot read token file/.test(e.message));
      await assert.rejects(readTokenFile(dir), (e: unknown) => e instanceof TokenFileError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
