import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isAtomLike, parseAtom, type ParseAtomOptions } from "../../../src/portage/atom.js";

// Compiled to build/test/unit/portage/; the fixtures stay in the source tree.
const fixtures = new URL("../../../../test/fixtures/portage-atoms/", import.meta.url);

type ValidCase = { text: string; allowSet?: boolean; set?: string; atom?: Record<string, unknown> };
type InvalidCase = {
  text: string;
  offset: number;
  contains: string;
  allowSet?: boolean;
  allowWildcard?: boolean;
  stricterThanPortage?: string;
};

function load<T>(name: string): T[] {
  return JSON.parse(readFileSync(new URL(name, fixtures), "utf8")) as T[];
}

function options(testCase: { allowSet?: boolean; allowWildcard?: boolean }): ParseAtomOptions {
  return { allowSet: testCase.allowSet ?? false, allowWildcard: testCase.allowWildcard ?? true };
}

const valid = load<ValidCase>("valid.json");
const invalid = load<InvalidCase>("invalid.json");

describe("parseAtom accepts valid atoms", () => {
  it("has a table of at least 40 cases", () => assert.ok(valid.length >= 40));
  for (const testCase of valid) {
    it(testCase.text, () => {
      const result = parseAtom(testCase.text, options(testCase));
      assert.ok(result.ok, result.ok ? "" : `${result.message} at ${result.offset}`);
      assert.equal(result.atom.text, testCase.text);
      if (testCase.set !== undefined) {
        assert.deepEqual(result.atom, { kind: "set", text: testCase.text, name: testCase.set });
        return;
      }
      assert.equal(result.atom.kind, "package");
      for (const [key, value] of Object.entries(testCase.atom ?? {})) {
        assert.deepEqual((result.atom as Record<string, unknown>)[key], value, key);
      }
    });
  }
});

describe("parseAtom rejects invalid atoms at the first bad character", () => {
  it("has a table of at least 40 cases", () => assert.ok(invalid.length >= 40));
  for (const testCase of invalid) {
    it(JSON.stringify(testCase.text), () => {
      const result = parseAtom(testCase.text, options(testCase));
      assert.equal(result.ok, false, `accepted ${JSON.stringify(testCase.text)}`);
      if (result.ok) return;
      assert.equal(result.offset, testCase.offset, result.message);
      assert.ok(result.message.includes(testCase.contains), `message: ${result.message}`);
    });
  }
});

describe("parseAtom details", () => {
  it("returns every field of a full atom and nothing more", () => {
    assert.deepEqual(parseAtom(">=dev-lang/python-3.12.4-r1:3.12/3.12t=::gentoo"), {
      ok: true,
      atom: {
        kind: "package",
        text: ">=dev-lang/python-3.12.4-r1:3.12/3.12t=::gentoo",
        operator: ">=",
        category: "dev-lang",
        package: "python",
        version: "3.12.4-r1",
        slot: "3.12",
        subSlot: "3.12t",
        slotOperator: "=",
        repo: "gentoo",
        wildcard: false,
      },
    });
  });

  it("rejects wildcards and sets unless asked", () => {
    assert.equal(parseAtom("*/*").ok, false);
    assert.equal(parseAtom("*/*", { allowWildcard: true }).ok, true);
    assert.equal(parseAtom("@world").ok, false);
    assert.equal(parseAtom("@world", { allowSet: true }).ok, true);
  });

  it("points a bad character inside a long atom at its own offset", () => {
    const text = "=media-video/ffmpeg-7.1:0/59::gentoo$";
    const result = parseAtom(text, { allowWildcard: true });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.offset, text.indexOf("$"));
  });
});

describe("isAtomLike", () => {
  const cases: [string, boolean][] = [
    ["media-libs/x265", true],
    ["*/*", true],
    ["@world", true],
    [">=cat/pkg-1", true],
    ["=cat/pkg-1", true],
    ["~cat/pkg-1", true],
    ["<cat/pkg-1", true],
    ["!cat/pkg", true],
    ["x265", false],
    ["-x265", false],
    ["VIDEO_CARDS:", false],
    ["-*", false],
    ["~amd64", false],
    ["~*", false],
    ["=pkg", true],
    ["amd64", false],
    // USE flags may contain '@' (_get_useflag_re); only a leading '@' names a set.
    ["foo@bar", false],
  ];
  for (const [token, expected] of cases) {
    it(`${token} → ${expected}`, () => assert.equal(isAtomLike(token), expected));
  }
});
