import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { parseKeywordTokens, parseUseTokens, type TokensResult } from "../../../src/portage/use-flag.js";

describe("parseUseTokens", () => {
  const valid: [string, string[]][] = [
    ["x265 -doc", ["x265", "-doc"]],
    ["  numa\tlto  ", ["numa", "lto"]],
    ["-*", ["-*"]],
    ["VIDEO_CARDS: -* radeon amdgpu", ["VIDEO_CARDS:", "-*", "radeon", "amdgpu"]],
    ["doc L10N: de en-GB PYTHON_TARGETS: python3_12", ["doc", "L10N:", "de", "en-GB", "PYTHON_TARGETS:", "python3_12"]],
    ["CPU_FLAGS_X86: aes sse4_2", ["CPU_FLAGS_X86:", "aes", "sse4_2"]],
    ["gtk+ c++ foo@bar 3d", ["gtk+", "c++", "foo@bar", "3d"]],
    ["", []],
  ];
  for (const [text, tokens] of valid) {
    it(`accepts ${JSON.stringify(text)}`, () => assert.deepEqual(parseUseTokens(text), { ok: true, tokens }));
  }

  const invalid: [string, number, string][] = [
    ["+x265", 0, "without '+'"],
    ["doc --foo", 5, "must start with a letter or digit"],
    ["doc _foo", 4, "must start with a letter or digit"],
    ["doc fo.o", 6, "'.' is not allowed in a USE flag"],
    ["doc foo;rm", 7, "';' is not allowed"],
    ["doc $(id)", 4, "must start with a letter or digit"],
    ["doc -", 4, "lone '-'"],
    ["video_cards: radeon", 0, "upper case"],
    ["VIDEO-CARDS: radeon", 5, "upper case"],
    ["VIDEO_CARDS:", 0, "needs values"],
    ["VIDEO_CARDS: L10N: de", 0, "needs values"],
    ["doc\nfoo", 3, "line break"],
    ["*", 0, "must start with a letter or digit"],
    ["foo[bar]", 3, "'[' is not allowed"],
  ];
  for (const [text, offset, contains] of invalid) {
    it(`rejects ${JSON.stringify(text)} at ${offset}`, () => {
      const result = parseUseTokens(text);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.offset, offset, result.message);
      assert.ok(result.message.includes(contains), result.message);
    });
  }
});

describe("parseKeywordTokens", () => {
  const valid: [string, string[]][] = [
    ["amd64", ["amd64"]],
    ["~amd64", ["~amd64"]],
    ["**", ["**"]],
    ["~*", ["~*"]],
    ["*", ["*"]],
    ["-* ~amd64", ["-*", "~amd64"]],
    ["-~amd64 amd64", ["-~amd64", "amd64"]],
    ["~amd64-linux x86-macos", ["~amd64-linux", "x86-macos"]],
    ["", []],
  ];
  for (const [text, tokens] of valid) {
    it(`accepts ${JSON.stringify(text)}`, () => assert.deepEqual(parseKeywordTokens(text), { ok: true, tokens }));
  }

  const invalid: [string, number][] = [
    ["~", 1],
    ["-", 1],
    ["~~amd64", 1],
    ["***", 0],
    ["amd64 ~-amd64", 7],
    ["amd64;x", 5],
    ["amd 64\n", 6],
    ["+amd64", 0],
    ["~amd64*", 6],
  ];
  for (const [text, offset] of invalid) {
    it(`rejects ${JSON.stringify(text)} at ${offset}`, () => {
      const result = parseKeywordTokens(text);
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.offset, offset, result.message);
    });
  }
});

describe("USE flag and keyword messages", () => {
  const cases: [name: string, result: TokensResult, offset: number, message: string][] = [
    [
      "a USE_EXPAND prefix with a second ':'",
      parseUseTokens("VIDEO_CARDS:radeon:"),
      11,
      "'VIDEO_CARDS:radeon:' is not a USE_EXPAND prefix; write the variable name in upper case followed by ':', e.g. VIDEO_CARDS: radeon",
    ],
    ["a line break among flags", parseUseTokens("doc\nfoo"), 3, "a line break is not allowed here; write one line per atom"],
    ["a line break among keywords", parseKeywordTokens("amd64\r~x86"), 5, "a line break is not allowed here; write one line per atom"],
    ["'+' enabling a flag", parseUseTokens("doc +foo"), 4, "'+foo': write a flag without '+' to enable it, e.g. foo"],
    ["'+' after '-'", parseUseTokens("-+foo"), 1, "a USE flag must start with a letter or digit, not '+' ('-+foo')"],
    ["a lone '~'", parseKeywordTokens("amd64 ~"), 7, "'~' is not a keyword; write e.g. amd64, ~amd64, ~*, * or **"],
  ];
  for (const [name, result, offset, message] of cases) {
    it(name, () => assert.deepEqual(result, { ok: false, message, offset }));
  }
});
