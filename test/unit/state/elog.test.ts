import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parseElogFileName, parseElogText, readElogDir } from "../../../src/state/elog.js";
import { fixture } from "../../support/fixtures.js";
import { tempStateDir } from "./state-fixtures.js";

// Laid out as mod_save.py writes them (phases in EBUILD_PHASES order, as _combine_logentries does) (one file split-elog style), beside summary.log and a stray file.
const ELOG_DIR = fixture("state-elog", "elog");

describe("parseElogFileName", () => {
  it("reads the flat and split-elog names mod_save.py writes", () => {
    assert.deepEqual(parseElogFileName("app-misc:hello-1.0-r1:20261126-031500.log"), {
      package: "app-misc/hello-1.0-r1", savedAt: new Date("2026-11-26T03:15:00Z"),
    });
    assert.deepEqual(parseElogFileName("dev-libs/libfoo-2.0:20261126-031612.log"), {
      package: "dev-libs/libfoo-2.0", savedAt: new Date("2026-11-26T03:16:12Z"),
    });
  });

  it("rejects summary.log and other names", () => {
    for (const name of ["summary.log", "README", "app-misc:hello-1.0.log", "app-misc:hello-1.0:2026-11-26.log", "a/b/c:20261126-031500.log"]) {
      assert.equal(parseElogFileName(name), null, name);
    }
  });
});

describe("parseElogText", () => {
  it("makes one message per CLASS: phase section, keeping inner blank lines", () => {
    const { messages, issues } = parseElogText("cat/pkg-1", "LOG: postinst\nline one\n\nline two\nWARN: postinst\nwarned\n");
    assert.deepEqual(messages, [
      { package: "cat/pkg-1", class: "log", phase: "postinst", text: "line one\n\nline two" },
      { package: "cat/pkg-1", class: "warn", phase: "postinst", text: "warned" },
    ]);
    assert.deepEqual(issues, []);
  });

  it("reports text before the first section and reads nothing from an empty file", () => {
    assert.deepEqual(parseElogText("cat/pkg-1", "stray\nQA: install\nnotice\n"), {
      messages: [{ package: "cat/pkg-1", class: "qa", phase: "install", text: "notice" }],
      issues: [{ line: 1, message: "text before the first 'CLASS: phase' line is not part of any message" }],
    });
    assert.deepEqual(parseElogText("cat/pkg-1", ""), { messages: [], issues: [] });
  });
});

describe("readElogDir", () => {
  it("reads every save file of the fixture, skipping summary.log and other files", async () => {
    const files = await readElogDir(ELOG_DIR);
    assert.deepEqual(files.map((file) => [file.file, file.package, file.savedAt.toISOString()]), [
      ["app-misc:hello-1.0-r1:20261126-031500.log", "app-misc/hello-1.0-r1", "2026-11-26T03:15:00.000Z"],
      ["dev-libs/libfoo-2.0:20261126-031612.log", "dev-libs/libfoo-2.0", "2026-11-26T03:16:12.000Z"],
    ]);
    const [hello, libfoo] = files;
    assert.deepEqual(hello?.messages.map((message) => [message.class, message.phase, message.text]), [
      ["info", "setup", "Checking for suitable kernel configuration options ..."],
      ["qa", "install", "QA Notice: Files built without respecting CFLAGS have been detected\n  /usr/bin/hello"],
      ["log", "postinst", "hello was installed.\n\nRun hello --help to start."],
      ["warn", "postinst", "Please read the news item 2026-11-01-hello."],
      ["error", "postinst", "hello-daemon could not be restarted"],
    ]);
    assert.deepEqual(libfoo?.messages, [{
      package: "dev-libs/libfoo-2.0", class: "warn", phase: "preinst",
      text: "libfoo.so.1 will be removed: rebuild its users with emerge @preserved-rebuild",
    }]);
  });

  it("returns nothing for a missing directory, and fails on a file in its place", async () => {
    const dir = tempStateDir();
    assert.deepEqual(await readElogDir(path.join(dir, "elog")), []);
    mkdirSync(path.join(dir, "x"));
    writeFileSync(path.join(dir, "x", "elog"), "");
    await assert.rejects(readElogDir(path.join(dir, "x", "elog")), /ENOTDIR/);
  });
});
