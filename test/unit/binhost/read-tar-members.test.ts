import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { readTarMembers, TarReadError } from "../../../src/binhost/read-tar-members.js";
import { parsePaxRecords, parseTarHeader, TarFormatError } from "../../../src/binhost/tar-header.js";
import { tarAvailable } from "./support/make-gpkg.js";

const skip = tarAvailable() ? false : "needs GNU tar";
const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-tar-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Files of these sizes (bytes), each filled with its own byte value, so content at an offset proves the offset. */
const SIZES = { "empty": 0, "one": 1, "block": 512, "block-and-one": 513, "big": 70_000 };

function makeTree(name: string, longName?: string): { root: string; members: string[] } {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, "pkg", "sub"), { recursive: true });
  const members = ["pkg", "pkg/sub"];
  Object.entries(SIZES).forEach(([file, size], index) => {
    writeFileSync(path.join(root, "pkg", file), Buffer.alloc(size, index + 1));
    members.push(`pkg/${file}`);
  });
  if (longName !== undefined) {
    mkdirSync(path.join(root, path.dirname(longName)), { recursive: true });
    writeFileSync(path.join(root, longName), "long");
    members.push(longName);
  }
  return { root, members };
}

function tar(format: string, root: string, members: string[]): string {
  const file = path.join(dir, `${path.basename(root)}-${format}.tar`);
  const result = spawnSync("tar", ["-c", "-f", file, `--format=${format}`, "--no-recursion", "-C", root, ...members], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return file;
}

/** A header block written by hand (POSIX ustar layout), checksum included. */
function header(fields: { name: string; size?: number; type?: string; sizeField?: Buffer }): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, "utf8");
  block.write("0000644\0", 100);
  block.write("0000000\0", 108);
  block.write("0000000\0", 116);
  if (fields.sizeField) fields.sizeField.copy(block, 124);
  else block.write(`${(fields.size ?? 0).toString(8).padStart(11, "0")}\0`, 124);
  block.write("00000000000\0", 136);
  block.write(fields.type ?? "0", 156);
  block.write("ustar\u000000", 257, "latin1");
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return block;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);

describe("readTarMembers", { skip }, () => {
  const long = `pkg/${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(90)}.txt`;
  for (const format of ["ustar", "gnu", "pax"]) {
    it(`lists names, types, sizes and data offsets of a ${format} archive`, async () => {
      const { root, members } = makeTree(`tree-${format}`, long);
      const file = tar(format, root, members);
      const found = await readTarMembers(file);
      assert.deepEqual(found.map((member) => member.name.replace(/\/$/, "")), members);
      assert.deepEqual(found.slice(0, 2).map((member) => member.type), ["5", "5"]);
      const bytes = readFileSync(file);
      for (const member of found.filter((m) => m.type === "0")) {
        const expected = readFileSync(path.join(root, member.name));
        assert.equal(member.size, expected.length, member.name);
        assert.deepEqual(bytes.subarray(member.offset, member.offset + member.size), expected, member.name);
      }
    });
  }

  it("follows a pax size record and a GNU base-256 size field", async () => {
    const big = Buffer.alloc(12, 0);
    big[0] = 0x80;
    big.writeUInt32BE(600, 8);
    const pax = Buffer.from("18 path=renamed/x\n10 size=5\n");
    const file = path.join(dir, "by-hand.tar");
    writeFileSync(file, Buffer.concat([
      header({ name: "PaxHeader", size: pax.length, type: "x" }), padded(pax),
      header({ name: "short-name", size: 999 }), padded(Buffer.from("hello")),
      header({ name: "base256", sizeField: big }), padded(Buffer.alloc(600, 1)),
      END,
    ]));
    const found = await readTarMembers(file);
    assert.deepEqual(found.map((m) => [m.name, m.size, m.offset]), [["renamed/x", 5, 1536], ["base256", 600, 2560]]);
  });

  it("refuses a damaged header, a truncated archive and a file that is not a tar", async () => {
    const { root, members } = makeTree("damaged");
    const good = readFileSync(tar("ustar", root, members));
    const damaged = path.join(dir, "damaged.tar");
    const corrupt = Buffer.from(good);
    corrupt.writeUInt8(corrupt.readUInt8(1024 + 3) ^ 0xff, 1024 + 3); // the third member's name, after two directory headers
    writeFileSync(damaged, corrupt);
    await assert.rejects(readTarMembers(damaged), (error: unknown) =>
      error instanceof TarReadError && error.cause instanceof TarFormatError && /checksum/.test(error.message));

    const truncated = path.join(dir, "truncated.tar");
    writeFileSync(truncated, good);
    truncateSync(truncated, 8192);
    await assert.rejects(readTarMembers(truncated), /truncated/);

    const text = path.join(dir, "text.tar");
    writeFileSync(text, "not a tar\n".repeat(100));
    await assert.rejects(readTarMembers(text), TarReadError);
    await assert.rejects(readTarMembers(path.join(dir, "missing.tar")), /cannot open .*missing\.tar/);
  });
});

describe("tar header fields", () => {
  it("reads the end-of-archive block as null and a ustar prefix as part of the name", () => {
    assert.equal(parseTarHeader(Buffer.alloc(512)), null);
    const block = header({ name: "name.txt", size: 3 });
    block.write("some/prefix", 345);
    block.fill(0x20, 148, 156);
    const sum = block.reduce((total, byte) => total + byte, 0);
    block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    assert.deepEqual(parseTarHeader(block), { name: "some/prefix/name.txt", size: 3, type: "0" });
  });

  it("rejects pax records whose length does not match", () => {
    assert.deepEqual([...parsePaxRecords(Buffer.from("12 path=abc\n"))], [["path", "abc"]]);
    assert.throws(() => parsePaxRecords(Buffer.from("99 path=abc\n")), TarFormatError);
    assert.throws(() => parsePaxRecords(Buffer.from("9 pathabc\n")), TarFormatError);
  });
});
