import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { describeCharacter } from "../../../src/portage/parse-result.js";

describe("describeCharacter", () => {
  const cases: [string, string][] = [
    [" ", "a space"],
    ["\t", "a tab"],
    ["\n", "a line break"],
    ["\r", "a line break"],
    ["\u0000", "control character U+0000"],
    ["\u001f", "control character U+001f"],
    ["\u007f", "control character U+007f"],
    ["!", "'!'"],
    ["~", "'~'"],
    ["é", "'é'"],
  ];
  for (const [ch, expected] of cases) {
    it(`${JSON.stringify(ch)} → ${expected}`, () => assert.equal(describeCharacter(ch), expected));
  }
});
