import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { DEFAULT_REPORT_LIMITS } from "../../../src/report/report-entries.js";
import { parseEmergeInfo, parseReportFacts } from "../../../src/report/report-facts.js";

// Shaped as lib/_emerge/actions.py action_info prints it (getportageversion, then KEY="value").
const info = `Portage 3.0.63 (python 3.12.3-final-0, default/linux/amd64/23.0, gcc-13, glibc-2.39-r6, 6.6.30-gentoo x86_64)
=================================================================
System uname: Linux-6.6.30-gentoo-x86_64-with-glibc2.39
ACCEPT_KEYWORDS="amd64"
ARCH="amd64"
CFLAGS="-O2 -pipe -march=x86-64-v3"
CHOST="x86_64-pc-linux-gnu"
CXXFLAGS="-O2 -pipe"
USE="acl amd64 ssl" ABI_X86="64" ELIBC="glibc"
`;

describe("parseEmergeInfo", () => {
  it("reads profile, CHOST, ARCH and CFLAGS", () => {
    assert.deepEqual(parseEmergeInfo(info), {
      ok: true, portage: "3.0.63", profile: "default/linux/amd64/23.0", chost: "x86_64-pc-linux-gnu", arch: "amd64",
      cflags: "-O2 -pipe -march=x86-64-v3", cxxflags: "-O2 -pipe",
    });
  });
  it("an unavailable profile is null", () => {
    const parsed = parseEmergeInfo(info.replace("default/linux/amd64/23.0", "unavailable"));
    assert.equal(parsed.ok && parsed.profile, null);
  });
  it("text that is not emerge --info is a problem", () => assert.equal(parseEmergeInfo("command not found\n").ok, false));
});

describe("parseReportFacts", () => {
  const good = { format: 1, name: "web1", emergeInfo: { ok: false, problem: "emerge is not installed" }, links: [{ path: "etc/portage/make.profile", target: "../../var/db/repos/gentoo/profiles/x" }], skipped: [] };
  const parse = (value: unknown, name = "web1") => parseReportFacts(Buffer.from(JSON.stringify(value)), name, DEFAULT_REPORT_LIMITS);
  it("accepts a facts document, links out kept as data", () => assert.deepEqual(parse(good), { ok: true, value: good }));
  const bad: [string, unknown, RegExp][] = [
    ["another server's name", { ...good, name: "db1" }, /is for server "db1", sent to \/report\/web1/],
    ["another format", { ...good, format: 2 }, /format 2/],
    ["a link outside /etc/portage", { ...good, links: [{ path: "etc/shadow", target: "x" }] }, /not below \/etc\/portage/],
    ["a link path with '..'", { ...good, links: [{ path: "etc/portage/../x", target: "x" }] }, /'\.\.' component/],
    ["a list that is not one", { ...good, skipped: "x" }, /skipped/],
    ["a CHOST that is not text", { ...good, emergeInfo: { ok: true, chost: 7 } }, /emergeInfo\.chost must be a string or null/],
    ["a problem that is not text", { ...good, emergeInfo: { ok: false, problem: {} } }, /emergeInfo\.problem must be a string/],
  ];
  for (const [what, value, message] of bad) it(`refuses ${what}`, () => {
    const parsed = parse(value);
    assert.match(parsed.ok ? "" : parsed.problem, message);
  });
  it("keeps only the emerge --info fields it knows, missing ones as null", () => {
    const parsed = parse({ ...good, emergeInfo: { ok: true, chost: "x86_64-pc-linux-gnu", extra: "x".repeat(10) } });
    assert.deepEqual(parsed.ok && parsed.value.emergeInfo, { ok: true, profile: null, chost: "x86_64-pc-linux-gnu", arch: null, cflags: null, cxxflags: null, portage: null });
  });
  it("refuses text that is not JSON", () => assert.equal(parseReportFacts(Buffer.from("{"), "web1", DEFAULT_REPORT_LIMITS).ok, false));
});
