import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  PackageFileError,
  portageFileName,
  renderAcceptKeywords,
  renderAtomList,
  renderPackageUse,
} from "../../../src/portage/package-files.js";

// Compiled to build/test/unit/portage/; the golden files stay in the source tree.
const expected = new URL("../../../../test/fixtures/portage-files/expected/", import.meta.url);
const golden = (name: string): string => readFileSync(new URL(name, expected), "utf8");
const header = "binpkgbot task 3: install media-video/ffmpeg";

describe("package.* rendering", () => {
  it("package.use", () => {
    const text = renderPackageUse(header, [
      { atom: "media-video/ffmpeg", tokens: ["x265", "-doc", "VIDEO_CARDS:", "-*", "radeon"] },
      { atom: ">=media-libs/x265-3.6:0/209::gentoo", tokens: ["numa"] },
      { atom: "*/*", tokens: ["PYTHON_TARGETS:", "python3_12", "-python3_11"] },
    ]);
    assert.equal(text, golden("package.use"));
  });

  it("package.accept_keywords", () => {
    const text = renderAcceptKeywords(header, [
      { atom: "media-video/ffmpeg", keywords: [] },
      { atom: "=dev-libs/foo-1.2.3-r1", keywords: ["~amd64"] },
      { atom: "dev-lang/rust", keywords: ["**"] },
      { atom: "sys-apps/*", keywords: ["-*", "~amd64"] },
    ]);
    assert.equal(text, golden("package.accept_keywords"));
  });

  it("package.mask", () => {
    assert.equal(renderAtomList(header, [">=media-video/ffmpeg-8", "=dev-libs/foo-1.2*"]), golden("package.mask"));
  });

  it("package.unmask with no atoms is the header alone", () => {
    assert.equal(renderAtomList(header, []), golden("package.unmask"));
  });

  it("names the file so that it sorts after ordinary names and is not skipped", () => {
    assert.ok(!portageFileName.startsWith(".") && !portageFileName.endsWith("~"));
    for (const name of ["99-local", "local", "custom.use", "ffmpeg", "z"]) assert.ok(name < portageFileName, name);
  });
});

describe("package.* rendering refuses text Portage would misread", () => {
  const cases: [string, () => string, string, number, string][] = [
    ["a USE-dep atom", () => renderPackageUse(header, [{ atom: "cat/pkg[foo]", tokens: ["foo"] }]), "cat/pkg[foo]", 7, "invalid atom 'cat/pkg[foo]': USE dependencies like"],
    ["a set", () => renderAtomList(header, ["@world"]), "@world", 0, "invalid atom '@world': package sets like '@world' are not allowed here; list the packages instead"],
    ["a bad flag", () => renderPackageUse(header, [{ atom: "cat/pkg", tokens: ["x265", "fo;o"] }]), "x265 fo;o", 7, "';' is not allowed in a USE flag"],
    ["a token with a space", () => renderPackageUse(header, [{ atom: "cat/pkg", tokens: ["a b"] }]), "a b", 1, "'a b' must be exactly one token"],
    ["an empty token", () => renderAcceptKeywords(header, [{ atom: "cat/pkg", keywords: ["~amd64", ""] }]), "", 0, "'' must be exactly one token"],
    ["no flags", () => renderPackageUse(header, [{ atom: "cat/pkg", tokens: [] }]), "cat/pkg", 0, "no USE flags given for 'cat/pkg' in package.use"],
    ["a dangling USE_EXPAND", () => renderPackageUse(header, [{ atom: "cat/pkg", tokens: ["VIDEO_CARDS:"] }]), "VIDEO_CARDS:", 0, "USE_EXPAND prefix 'VIDEO_CARDS:' needs values after it"],
    ["a bad keyword", () => renderAcceptKeywords(header, [{ atom: "cat/pkg", keywords: ["~~amd64"] }]), "~~amd64", 1, "'~' is not allowed in keyword '~~amd64'"],
    ["a header with a line break", () => renderAtomList("task\ncat/pkg", []), "task\ncat/pkg", 4, "a package file header must be a single line"],
    ["an atom with a line break", () => renderAtomList(header, ["cat/pkg\ncat/other"]), "cat/pkg\ncat/other", 7, "invalid atom 'cat/pkg\ncat/other': a line break is not allowed in an atom"],
  ];
  for (const [name, render, value, offset, message] of cases) {
    it(name, () => {
      assert.throws(render, (error: unknown) => {
        assert.ok(error instanceof PackageFileError);
        assert.equal(error.name, "PackageFileError");
        assert.ok(error.message.startsWith(message), error.message);
        assert.equal(error.value, value);
        assert.equal(error.offset, offset);
        return true;
      });
    });
  }
});
