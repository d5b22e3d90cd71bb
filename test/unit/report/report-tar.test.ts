import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_REPORT_LIMITS } from "../../../src/report/report-entries.js";
import { parseReportTar, renderReportTar, type ReportMember } from "../../../src/report/report-tar.js";

const text = (s: string): Uint8Array => Buffer.from(s);
const facts: ReportMember = { kind: "file", path: "report.json", data: text("{}") };
const long = `etc/portage/package.use/${"long-name-".repeat(15)}`;
const members: ReportMember[] = [
  facts,
  { kind: "directory", path: "etc" },
  { kind: "directory", path: "etc/portage" },
  { kind: "file", path: "etc/portage/make.conf", data: text('USE="foo"\n') },
  { kind: "file", path: long, data: text("*/* bar\n") },
  { kind: "file", path: "etc/portage/empty", data: new Uint8Array(0) },
  { kind: "symlink", path: "etc/portage/package.mask", target: "package.use" },
  { kind: "file", path: "var/lib/portage/world", data: text("app-misc/hello\n") },
];

/** Sets member `index`'s typeflag and recomputes its header checksum, as a hostile sender would. */
function withTypeflag(tar: Uint8Array, headerOffset: number, flag: string): Uint8Array {
  const copy = Buffer.from(tar);
  copy.write(flag, headerOffset + 156, "ascii");
  copy.fill(0x20, headerOffset + 148, headerOffset + 156);
  let sum = 0;
  for (let i = headerOffset; i < headerOffset + 512; i++) sum += copy[i]!;
  copy.write(`${sum.toString(8).padStart(6, "0")}\0 `, headerOffset + 148, "ascii");
  return copy;
}

describe("report tar", () => {
  it("what renderReportTar writes, parseReportTar reads back, long names included", () => {
    const parsed = parseReportTar(renderReportTar(members), DEFAULT_REPORT_LIMITS);
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.problem);
    assert.deepEqual(parsed.value.map((m) => ({ ...m, ...(m.kind === "file" ? { data: Buffer.from(m.data).toString() } : {}) })),
      members.map((m) => ({ ...m, ...(m.kind === "file" ? { data: Buffer.from(m.data).toString() } : {}) })));
  });

  it("GNU tar lists what renderReportTar writes, long names and link targets intact", { skip: spawnSync("tar", ["--version"]).status !== 0 && "no tar" }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-report-tar-"));
    try {
      writeFileSync(path.join(dir, "r.tar"), renderReportTar(members));
      const listed = spawnSync("tar", ["-tvf", path.join(dir, "r.tar")], { encoding: "utf8" });
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`${long.replace(/\./g, "\\.")}\\n`));
      assert.match(listed.stdout, /etc\/portage\/package\.mask -> package\.use/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads what GNU tar writes", { skip: spawnSync("tar", ["--version"]).status !== 0 && "no tar" }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-report-tar-"));
    try {
      writeFileSync(path.join(dir, "report.json"), "{}");
      spawnSync("mkdir", ["-p", path.join(dir, "etc/portage")]);
      writeFileSync(path.join(dir, "etc/portage", "x".repeat(120)), "a\n");
      const made = spawnSync("tar", ["-cf", "r.tar", "--format=gnu", "report.json", "etc"], { cwd: dir, encoding: "utf8" });
      assert.equal(made.status, 0, made.stderr);
      const parsed = parseReportTar(readFileSync(path.join(dir, "r.tar")), DEFAULT_REPORT_LIMITS);
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.problem);
      assert.deepEqual(parsed.value.map((m) => m.path), ["report.json", "etc", "etc/portage", `etc/portage/${"x".repeat(120)}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const refusals: [string, ReportMember[], RegExp][] = [
    ["a '..' path", [facts, { kind: "file", path: "etc/portage/../../root/x", data: text("a") }], /'\.\.' component/],
    ["an absolute path", [facts, { kind: "file", path: "/etc/portage/make.conf", data: text("a") }], /absolute path/],
    ["a symlink out", [facts, { kind: "symlink", path: "etc/portage/x", target: "../../etc/shadow" }], /points out of/],
    ["a symlink with an absolute target", [facts, { kind: "symlink", path: "etc/portage/x", target: "/etc/shadow" }], /is absolute/],
    ["a file outside the allowed paths", [facts, { kind: "file", path: "etc/shadow", data: text("a") }], /not allowed there/],
    ["no report.json", [{ kind: "file", path: "etc/portage/make.conf", data: text("a") }], /no report\.json/],
  ];
  for (const [what, list, message] of refusals) {
    it(`refuses ${what}`, () => {
      const parsed = parseReportTar(renderReportTar(list), DEFAULT_REPORT_LIMITS);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? "" : parsed.problem, message);
    });
  }

  for (const [flag, name] of [["3", "a character device"], ["4", "a block device"], ["6", "a FIFO"], ["1", "a hard link"]]) {
    it(`refuses ${name} entry`, () => {
      const tar = renderReportTar([facts, { kind: "file", path: "etc/portage/dev", data: new Uint8Array(0) }]);
      const parsed = parseReportTar(withTypeflag(tar, 1024, flag!), DEFAULT_REPORT_LIMITS);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? "" : parsed.problem, new RegExp(`etc/portage/dev is ${name}`));
    });
  }

  it("refuses a truncated tar and one without the end blocks", () => {
    const tar = renderReportTar(members);
    const cut = parseReportTar(tar.subarray(0, 1024 + 100), DEFAULT_REPORT_LIMITS);
    assert.equal(cut.ok, false);
    const noEnd = parseReportTar(tar.subarray(0, tar.length - 1024), DEFAULT_REPORT_LIMITS);
    assert.match(noEnd.ok ? "" : noEnd.problem, /no end-of-archive block/);
  });

  it("refuses bytes that are not a tar", () => {
    const parsed = parseReportTar(Buffer.alloc(1024, 0x41), DEFAULT_REPORT_LIMITS);
    assert.match(parsed.ok ? "" : parsed.problem, /not a readable tar/);
  });

  it("stops at the entry limit", () => {
    const many: ReportMember[] = [facts, ...Array.from({ length: 10 }, (_, i): ReportMember => ({ kind: "file", path: `etc/portage/f${i}`, data: text("") }))];
    const parsed = parseReportTar(renderReportTar(many), { ...DEFAULT_REPORT_LIMITS, maxEntries: 5 });
    assert.match(parsed.ok ? "" : parsed.problem, /more than 5 entries/);
  });
});
