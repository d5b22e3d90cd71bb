// A step's output is cut into whole lines with its prefix before it reaches a screen: chunks of two
// steps running at once, each ending inside a line, never make a mixed line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_HELD_BYTES, prefixLines, StepLines } from "../../../src/cli/step-lines.js";

const A = Buffer.from("[a] ");
const B = Buffer.from("[b] ");

test("a partial line is held per step until its newline; two steps' lines never mix", () => {
  const lines = new StepLines();
  const out: string[] = [];
  const push = (key: string, prefix: Buffer, text: string): void => void out.push(lines.push(key, prefix, Buffer.from(text)).text.toString());
  push("a:stdout", A, "compiling foo");
  push("b:stdout", B, "checking for gcc... ");
  push("a:stdout", A, ".c\nlinking");
  push("b:stdout", B, "yes\nchecking for cc");
  push("a:stdout", A, " foo\n");
  assert.deepEqual(out.join("").split("\n"), ["[a] compiling foo.c", "[b] checking for gcc... yes", "[a] linking foo", ""]);
  assert.equal(lines.end("b:stdout", B).toString(), "[b] checking for cc\n", "what is held comes out at the step's end");
  assert.equal(lines.end("b:stdout", B).length, 0, "and only once");
});

test("a multi-byte character split between chunks arrives whole", () => {
  const lines = new StepLines();
  const bytes = Buffer.from("Grüße\n");
  const first = lines.push("a:stdout", A, bytes.subarray(0, 3));
  const second = lines.push("a:stdout", A, bytes.subarray(3));
  assert.equal(first.text.length, 0);
  assert.equal(second.text.toString(), "[a] Grüße\n");
  assert.equal(second.last?.toString(), "Grüße");
});

test("the last complete line of a chunk is reported for the live block", () => {
  const lines = new StepLines();
  assert.equal(lines.push("a:stdout", A, Buffer.from("one\ntwo\nthr")).last?.toString(), "two");
  assert.equal(lines.push("a:stdout", A, Buffer.from("ee\n")).last?.toString(), "three");
  assert.equal(lines.push("a:stdout", A, Buffer.from("no newline")).last, null);
});

test("a step that prints without newlines is passed on in bounded pieces, not held whole", () => {
  const lines = new StepLines();
  let out = "";
  for (let i = 0; i < 10; i++) out += lines.push("a:stdout", A, Buffer.alloc(MAX_HELD_BYTES / 4, "x")).text.toString();
  out += lines.end("a:stdout", A).toString();
  const pieces = out.split("\n").slice(0, -1);
  assert.ok(pieces.length >= 2, "cut into pieces");
  for (const piece of pieces) assert.ok(piece.startsWith("[a] x") && piece.length <= MAX_HELD_BYTES + A.length + MAX_HELD_BYTES / 4, `${piece.length}`);
  assert.equal(pieces.join("").replaceAll("[a] ", "").length, 10 * (MAX_HELD_BYTES / 4), "nothing lost");
});

test("prefixLines puts the prefix before every line, empty lines included", () => {
  assert.equal(prefixLines(Buffer.from("x\n\ny\n"), A).toString(), "[a] x\n[a] \n[a] y\n");
});

/** A small deterministic generator: the same cuts on every run. */
function cuts(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

test("lines cut anywhere (empty chunks, inside characters, around carriage returns) come out whole, each prefixed once", () => {
  const texts = {
    a: "Grüße aus Köln\r\n50%\r100%\n\n€€€ done\nno newline at the end",
    b: `${"long ".repeat(3000)}\n\r\n\x1b[32mok\x1b[0m\nlast\n`,
  };
  for (let seed = 1; seed <= 50; seed++) {
    const random = cuts(seed);
    const lines = new StepLines();
    const bytes = { a: Buffer.from(texts.a), b: Buffer.from(texts.b) };
    const at = { a: 0, b: 0 };
    let out = "";
    while (at.a < bytes.a.length || at.b < bytes.b.length) {
      const key = at.b >= bytes.b.length || (at.a < bytes.a.length && random() < 0.5) ? "a" : "b";
      const size = random() < 0.2 ? 0 : Math.floor(random() * 40);
      // A fresh buffer each time, overwritten after the push: what StepLines keeps must be its own copy.
      const chunk = Buffer.from(bytes[key].subarray(at[key], at[key] + size));
      out += lines.push(key, key === "a" ? A : B, chunk).text.toString();
      chunk.fill(0x58);
      at[key] += size;
    }
    out += lines.end("a", A).toString() + lines.end("b", B).toString();
    const got = out.split("\n").slice(0, -1);
    for (const key of ["a", "b"] as const) {
      const prefix = `[${key}] `;
      const expected = `${texts[key].replace(/\n$/, "")}\n`.split("\n").slice(0, -1);
      assert.deepEqual(got.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length)), expected, `seed ${seed}, ${key}`);
    }
    assert.ok(got.every((line) => line.startsWith("[a] ") || line.startsWith("[b] ")), `seed ${seed}: every line has one prefix`);
  }
});

test("a line over the limit that began in an earlier chunk is passed on with that beginning", () => {
  const lines = new StepLines();
  assert.equal(lines.push("a", A, Buffer.from("begin ")).text.length, 0);
  const text = lines.push("a", A, Buffer.alloc(MAX_HELD_BYTES, "x")).text.toString();
  assert.equal(text, `[a] begin ${"x".repeat(MAX_HELD_BYTES)}\n`);
  assert.equal(lines.end("a", A).length, 0);
});

test("complete lines before an over-long rest come out prefixed, the rest as a line of its own", () => {
  const lines = new StepLines();
  const text = lines.push("a", A, Buffer.concat([Buffer.from("one\r\ntwo\n"), Buffer.alloc(MAX_HELD_BYTES + 1, "y")])).text.toString();
  assert.equal(text, `[a] one\r\n[a] two\n[a] ${"y".repeat(MAX_HELD_BYTES + 1)}\n`);
});

test("an empty chunk completes nothing and keeps what is held", () => {
  const lines = new StepLines();
  lines.push("a", A, Buffer.from("half"));
  const empty = lines.push("a", A, Buffer.alloc(0));
  assert.equal(empty.text.length, 0);
  assert.equal(empty.last, null);
  assert.equal(lines.push("a", A, Buffer.from(" and half\n")).text.toString(), "[a] half and half\n");
});
