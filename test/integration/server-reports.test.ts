// POST /report/NAME against a real binhost on a free port, with the state under a temp dir: a good
// report lands and replaces the last one whole; every bad one gets its status and one line, and
// leaves the state exactly as it was. No containers: no lock needed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { ReportMember } from "../../src/report/report-tar.js";
import { readServerReport, recreateOutLinks } from "../../src/report/read-server-report.js";
import { renderReportTar } from "../../src/report/report-tar.js";
import type { StoredReport } from "../../src/report/store-report.js";
import { startBinhost, type RunningBinhost } from "../../src/server/binhost.js";
import { createReportReceiver } from "../../src/server/report-endpoint.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
const MAX_BYTES = 64 * 1024;

let work: string;
let stateDir: string;
let binhost: RunningBinhost;
const landed: StoredReport[] = [];

/** Paths, kinds, link targets and contents below a directory, so any change shows. */
function hashTree(dir: string): string {
  const hash = createHash("sha256");
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const full = path.join(dir, rel, name);
      const st = lstatSync(full);
      hash.update(`${path.join(rel, name)} ${st.mode.toString(8)}\n`);
      if (st.isDirectory()) walk(path.join(rel, name));
      else if (st.isSymbolicLink()) hash.update(readlinkSync(full));
      else hash.update(readFileSync(full));
    }
  };
  walk("");
  return hash.digest("hex");
}

const text = (s: string): Uint8Array => Buffer.from(s);
const facts = (name = "web1"): ReportMember => ({
  kind: "file", path: "report.json",
  data: text(JSON.stringify({ format: 1, name, emergeInfo: { ok: true, profile: "default/linux/amd64/23.0", chost: "x86_64-pc-linux-gnu", arch: "amd64", cflags: "-O2", cxxflags: null, portage: "3.0.63" }, links: [], skipped: [] })),
});
const report = (makeConf: string, extra: ReportMember[] = []): ReportMember[] => [
  facts(),
  { kind: "directory", path: "etc" },
  { kind: "directory", path: "etc/portage" },
  { kind: "file", path: "etc/portage/make.conf", data: text(makeConf) },
  { kind: "directory", path: "var" }, { kind: "directory", path: "var/lib" }, { kind: "directory", path: "var/lib/portage" },
  { kind: "file", path: "var/lib/portage/world", data: text("app-misc/hello\n") },
  ...extra,
];

type Answer = { status: number; body: string; headers: http.IncomingHttpHeaders };

/** A chunked POST left open: the caller writes, ends or destroys `request`; `answer` is the server's. */
function openUpload(url: string, token: string): { request: http.ClientRequest; answer: Promise<Answer> } {
  const request = http.request(url, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on("response", (r) => {
      let data = "";
      r.setEncoding("utf8").on("data", (c: string) => (data += c)).on("end", () => resolve({ status: r.statusCode ?? 0, body: data, headers: r.headers }));
    });
    request.on("error", reject);
  });
  return { request, answer };
}

/** POSTs `body`; with `chunked` no Content-Length is sent, so the server must count. Resolves on the answer even if the server stops reading. */
function post(url: string, body: Uint8Array, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }, chunked = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers: { ...headers, ...(chunked ? {} : { "content-length": String(body.length) }) } });
    request.on("response", (response) => {
      let data = "";
      response.setEncoding("utf8").on("data", (c: string) => (data += c)).on("end", () => resolve({ status: response.statusCode ?? 0, body: data, headers: response.headers }));
    });
    request.on("error", (error) => reject(error));
    if (!chunked) request.end(body);
    else {
      // In pieces, so the server sees the size grow past its limit.
      for (let at = 0; at < body.length; at += 16 * 1024) request.write(body.subarray(at, at + 16 * 1024));
      request.end();
    }
  });
}

const copy = (): string => path.join(stateDir, "servers", "web1");

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "binpkgbot-reports-"));
  stateDir = path.join(work, "state");
  mkdirSync(path.join(work, "pkgdir"));
  writeFileSync(path.join(work, "web1.token"), `${TOKEN}\n`);
  const reports = createReportReceiver({
    stateDir, servers: () => [{ name: "web1", tokenFile: path.join(work, "web1.token") }, { name: "broken", tokenFile: path.join(work, "missing.token") }],
    limits: { maxBytes: MAX_BYTES }, onReport: (stored) => landed.push(stored),
  });
  binhost = await startBinhost({ pkgdir: path.join(work, "pkgdir"), log: () => {}, reports });
});

after(async () => {
  await binhost?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("a good report", () => {
  it("lands under state_dir/servers/NAME and is announced once", async () => {
    landed.length = 0;
    const answer = await post(`${binhost.url}/report/web1`, renderReportTar(report('USE="first"\n', [{ kind: "file", path: "etc/portage/only-first", data: text("x") }])));
    assert.equal(answer.status, 200, answer.body);
    assert.match(answer.body, /^200 stored the report of web1: 4 files in /);
    assert.equal(readFileSync(path.join(copy(), "etc/portage/make.conf"), "utf8"), 'USE="first"\n');
    assert.equal(readFileSync(path.join(copy(), "var/lib/portage/world"), "utf8"), "app-misc/hello\n");
    const storedFacts = JSON.parse(readFileSync(path.join(copy(), "report.json"), "utf8")) as { name: string; receivedAt: string; emergeInfo: { profile: string } };
    assert.equal(storedFacts.name, "web1");
    assert.equal(storedFacts.emergeInfo.profile, "default/linux/amd64/23.0");
    assert.ok(!Number.isNaN(Date.parse(storedFacts.receivedAt)));
    assert.deepEqual(landed.map((r) => [r.name, r.dir, r.files]), [["web1", copy(), 4]]);
  });

  it("replaces the last copy whole: a file only the old one had is gone, one generation is left", async () => {
    const answer = await post(`${binhost.url}/report/web1`, renderReportTar(report('USE="second"\n', [{ kind: "symlink", path: "etc/portage/package.use", target: "make.conf" }])));
    assert.equal(answer.status, 200, answer.body);
    assert.equal(readFileSync(path.join(copy(), "etc/portage/make.conf"), "utf8"), 'USE="second"\n');
    assert.equal(lstatSync(path.join(copy(), "etc/portage/only-first"), { throwIfNoEntry: false }), undefined);
    assert.equal(readlinkSync(path.join(copy(), "etc/portage/package.use")), "make.conf");
    assert.ok(lstatSync(copy()).isSymbolicLink(), "servers/web1 is the link that is swapped");
    assert.deepEqual(readdirSync(path.join(stateDir, "servers")).filter((e) => e.startsWith(".web1.")), [readlinkSync(copy())]);
  });

  it("a copy half-written by a crash is never what servers/NAME shows, and the next report removes it", async () => {
    const servers = path.join(stateDir, "servers");
    const before = hashTree(copy());
    // What a crash between writing a generation and swapping the link leaves behind.
    mkdirSync(path.join(servers, ".web1.1-deadbeef/etc/portage"), { recursive: true });
    writeFileSync(path.join(servers, ".web1.1-deadbeef/etc/portage/make.conf"), "USE=\"half");
    assert.equal(hashTree(copy()), before);
    assert.equal((await post(`${binhost.url}/report/web1`, renderReportTar(report('USE="third"\n')))).status, 200);
    assert.ok(!readdirSync(servers).includes(".web1.1-deadbeef"));
    assert.equal(readFileSync(path.join(copy(), "etc/portage/make.conf"), "utf8"), 'USE="third"\n');
  });

  it("readServerReport gives the paths of one complete generation and the facts; null for a server that never reported", async () => {
    const read = await readServerReport(stateDir, "web1");
    assert.ok(read);
    assert.equal(read.dir, path.join(stateDir, "servers", readlinkSync(copy())));
    assert.equal(readFileSync(path.join(read.etcPortage, "make.conf"), "utf8"), 'USE="third"\n');
    assert.equal(read.world, path.join(read.dir, "var/lib/portage/world"));
    assert.equal(read.worldSets, null);
    assert.equal(read.facts.emergeInfo.ok && read.facts.emergeInfo.chost, "x86_64-pc-linux-gnu");
    assert.ok(read.receivedAt instanceof Date);
    assert.equal(await readServerReport(stateDir, "db1"), null);
  });

  it("recreateOutLinks puts make.profile, sent as data, into a copy of /etc/portage", async () => {
    const target = "../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0";
    const withLink = JSON.parse(Buffer.from((facts() as { data: Uint8Array }).data).toString()) as Record<string, unknown>;
    withLink.links = [{ path: "etc/portage/make.profile", target }];
    const tar = renderReportTar([{ kind: "file", path: "report.json", data: text(JSON.stringify(withLink)) }, ...report('USE="linked"\n').slice(1)]);
    assert.equal((await post(`${binhost.url}/report/web1`, tar)).status, 200);
    const read = await readServerReport(stateDir, "web1");
    assert.ok(read);
    assert.equal(lstatSync(path.join(read.etcPortage, "make.profile"), { throwIfNoEntry: false }), undefined, "the stored copy holds no link out");
    const copyDir = mkdtempSync(path.join(work, "container-etc-portage-"));
    await recreateOutLinks(read.facts, copyDir);
    assert.equal(readlinkSync(path.join(copyDir, "make.profile")), target);
  });

  it("two reports at once both land, one after the other, leaving one complete copy", async () => {
    const answers = await Promise.all(["a", "b"].map((v) => post(`${binhost.url}/report/web1`, renderReportTar(report(`USE="${v}"\n`)))));
    assert.deepEqual(answers.map((a) => a.status), [200, 200]);
    assert.match(readFileSync(path.join(copy(), "etc/portage/make.conf"), "utf8"), /^USE="[ab]"\n$/);
    assert.equal(readdirSync(path.join(stateDir, "servers")).filter((e) => e.startsWith(".web1.")).length, 1);
  });
});

describe("a bad report changes nothing", () => {
  let before: string;
  beforeEach(async () => {
    if (lstatSync(copy(), { throwIfNoEntry: false }) === undefined) assert.equal((await post(`${binhost.url}/report/web1`, renderReportTar(report("USE=\"base\"\n")))).status, 200);
    before = hashTree(stateDir);
    landed.length = 0;
  });
  const unchanged = (answer: Answer, status: number, message: RegExp): void => {
    assert.equal(answer.status, status, answer.body);
    assert.match(answer.body, new RegExp(`^${status} `));
    assert.equal(answer.body.trim().split("\n").length, 1, "one line");
    assert.match(answer.body, message);
    assert.equal(hashTree(stateDir), before, "the state is as it was");
    assert.deepEqual(landed, []);
  };
  const good = (): Uint8Array => renderReportTar(report('USE="evil"\n'));

  it("without a token: 401 with WWW-Authenticate", async () => {
    const answer = await post(`${binhost.url}/report/web1`, good(), {});
    unchanged(answer, 401, /needs the header Authorization: Bearer TOKEN/);
    assert.match(String(answer.headers["www-authenticate"]), /^Bearer/);
  });
  it("with a wrong token: 403", async () => {
    unchanged(await post(`${binhost.url}/report/web1`, good(), { authorization: `Bearer ${TOKEN.replace(/f$/, "e")}` }), 403, /not the one of server web1/);
  });
  it("a wrong token while the body is still coming: 403 at once, and the connection is closed rather than the body read", async () => {
    const { request, answer } = openUpload(`${binhost.url}/report/web1`, "wrong-token-of-some-length");
    request.write(Buffer.alloc(4096, 0x61));
    const got = await answer;
    request.destroy();
    unchanged(got, 403, /not the one of server web1/);
    assert.equal(got.headers.connection, "close");
  });
  it("for a server that does not report here: 404", async () => {
    unchanged(await post(`${binhost.url}/report/db1`, good()), 404, /no server "db1" reports here/);
  });
  it("for a server whose token file is unusable on the build host: 500, without naming the file", async () => {
    const answer = await post(`${binhost.url}/report/broken`, good());
    unchanged(answer, 500, /cannot check tokens of broken: its token file is unusable/);
    assert.doesNotMatch(answer.body, /missing\.token/);
  });
  it("with GET: 405", async () => {
    const answer = await new Promise<Answer>((resolve) => http.get(`${binhost.url}/report/web1`, (r) => {
      let data = "";
      r.setEncoding("utf8").on("data", (c: string) => (data += c)).on("end", () => resolve({ status: r.statusCode ?? 0, body: data, headers: r.headers }));
    }));
    unchanged(answer, 405, /only POST/);
  });
  it("over the size limit, announced by Content-Length: 413 before the body is read", async () => {
    const big = renderReportTar(report("x", [{ kind: "file", path: "etc/portage/big", data: Buffer.alloc(MAX_BYTES, 0x61) }]));
    unchanged(await post(`${binhost.url}/report/web1`, big), 413, /larger than 65536 bytes/);
  });
  it("over the size limit, chunked: 413 once the count passes it", async () => {
    const big = renderReportTar(report("x", [{ kind: "file", path: "etc/portage/big", data: Buffer.alloc(4 * MAX_BYTES, 0x61) }]));
    unchanged(await post(`${binhost.url}/report/web1`, big, undefined, true), 413, /larger than 65536 bytes/);
  });
  it("with a symlink out of /etc/portage: 400", async () => {
    const tar = renderReportTar(report("x", [{ kind: "symlink", path: "etc/portage/package.use", target: "../../root/.ssh" }]));
    unchanged(await post(`${binhost.url}/report/web1`, tar), 400, /refused, nothing changed: etc\/portage\/package\.use: the symlink target "\.\.\/\.\.\/root\/\.ssh" points out/);
  });
  it("with a '..' path: 400", async () => {
    const tar = renderReportTar(report("x", [{ kind: "file", path: "etc/portage/../../../escaped", data: text("x") }]));
    unchanged(await post(`${binhost.url}/report/web1`, tar), 400, /'\.\.' component/);
    assert.equal(lstatSync(path.join(work, "escaped"), { throwIfNoEntry: false }), undefined);
  });
  it("with an absolute path: 400", async () => {
    const tar = renderReportTar(report("x", [{ kind: "file", path: path.join(work, "absolute"), data: text("x") }]));
    unchanged(await post(`${binhost.url}/report/web1`, tar), 400, /is an absolute path/);
    assert.equal(lstatSync(path.join(work, "absolute"), { throwIfNoEntry: false }), undefined);
  });
  it("for another server than the URL names: 400", async () => {
    const tar = renderReportTar([facts("db1"), ...report("x").slice(1)]);
    unchanged(await post(`${binhost.url}/report/web1`, tar), 400, /is for server "db1"/);
  });
  it("that is not a tar: 400", async () => {
    unchanged(await post(`${binhost.url}/report/web1`, Buffer.alloc(2048, 0x7b)), 400, /not a readable tar/);
  });

  const gnuTar = spawnSync("tar", ["--version"]).status === 0;
  // A real FIFO and a real device node, archived by GNU tar as a hostile server would send them.
  for (const [what, make, message] of [
    ["a FIFO", ["mkfifo", "etc/portage/fifo"], /etc\/portage\/fifo is a FIFO/],
    ["a character device", ["mknod", "etc/portage/null", "c", "1", "3"], /etc\/portage\/null is a character device/],
  ] as const) {
    it(`with ${what} entry (archived by GNU tar): 400`, { skip: !gnuTar && "no tar" }, async () => {
      const dir = mkdtempSync(path.join(work, "tree-"));
      mkdirSync(path.join(dir, "etc/portage"), { recursive: true });
      writeFileSync(path.join(dir, "report.json"), Buffer.from((facts() as { data: Uint8Array }).data));
      const made = spawnSync(make[0], make.slice(1), { cwd: dir, encoding: "utf8" });
      assert.equal(made.status, 0, made.stderr);
      const tar = spawnSync("tar", ["-c", "-f", "-", "report.json", "etc"], { cwd: dir });
      assert.equal(tar.status, 0, String(tar.stderr));
      unchanged(await post(`${binhost.url}/report/web1`, tar.stdout), 400, message);
    });
  }
});

describe("reports received at once", () => {
  let busy: RunningBinhost;
  let busyState: string;
  before(async () => {
    busyState = path.join(work, "busy-state");
    const reports = createReportReceiver({ stateDir: busyState, servers: () => [{ name: "web1", tokenFile: path.join(work, "web1.token") }], maxConcurrent: 1 });
    busy = await startBinhost({ pkgdir: path.join(work, "pkgdir"), log: () => {}, reports });
  });
  after(async () => busy?.close());

  /** Starts a chunked upload and sends only its first half; the caller ends or destroys it. */
  async function halfSent(): Promise<{ request: http.ClientRequest; rest: Buffer; answer: Promise<Answer> }> {
    const body = Buffer.from(renderReportTar(report('USE="slow"\n')));
    const { request, answer } = openUpload(`${busy.url}/report/web1`, TOKEN);
    request.write(body.subarray(0, 1024));
    // Until the server holds the upload: the next request sees the slot taken.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { request, rest: body.subarray(1024), answer };
  }

  it("one more than the limit gets 503 with Retry-After, and the first still lands", async () => {
    const first = await halfSent();
    const second = await post(`${busy.url}/report/web1`, renderReportTar(report('USE="fast"\n')));
    assert.equal(second.status, 503, second.body);
    assert.match(second.body, /^503 1 reports are being received already/);
    assert.equal(second.headers["retry-after"], "10");
    first.request.end(first.rest);
    assert.equal((await first.answer).status, 200);
    assert.equal(readFileSync(path.join(busyState, "servers/web1/etc/portage/make.conf"), "utf8"), 'USE="slow"\n');
  });

  it("a client that goes away mid-body frees its place", async () => {
    const gone = await halfSent();
    gone.answer.catch(() => undefined);
    gone.request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const next = await post(`${busy.url}/report/web1`, renderReportTar(report('USE="after"\n')));
    assert.equal(next.status, 200, next.body);
  });
});
