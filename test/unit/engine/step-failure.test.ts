import { strict as assert } from "node:assert";
import { test } from "node:test";
import { OutputTail } from "../../../src/engine/step-failure.js";

test("the output tail keeps the last bytes of everything pushed, and no more", () => {
  const tail = new OutputTail(100);
  let all = "";
  for (let index = 0; index < 500; index++) {
    const chunk = `line ${index}\n`;
    tail.push(Buffer.from(chunk));
    all += chunk;
  }
  assert.equal(tail.text(), all.slice(-100));
});

test("the output tail keeps its own copy: the buffers pushed may be reused at once", () => {
  const tail = new OutputTail(16);
  const chunk = Buffer.from("error: it broke\n");
  tail.push(chunk);
  chunk.fill(0x58);
  tail.push(Buffer.from("again"));
  assert.equal(tail.text(), ": it broke\nagain");
});

test("a single chunk longer than the limit is cut to its end", () => {
  const tail = new OutputTail(10);
  tail.push(Buffer.from("x".repeat(50) + "0123456789"));
  assert.equal(tail.text(), "0123456789");
  tail.push(Buffer.from("ab"));
  assert.equal(tail.text(), "23456789ab");
});
