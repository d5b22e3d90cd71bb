// Work of one key one after another, a failure not stopping the next; other keys side by side.
import assert from "node:assert/strict";
import { test } from "node:test";
import { keyedSerial } from "../../../src/fleet/transfer/keyed-serial.js";

test("one key's work runs in order and after a failure; another key's runs meanwhile", async () => {
  const serial = keyedSerial();
  const events: string[] = [];
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const first = serial("amd64", async () => { events.push("a1 start"); await gate; events.push("a1 end"); throw new Error("a1 failed"); });
  const second = serial("amd64", async () => { events.push("a2"); return 2; });
  const other = serial("arm64", async () => { events.push("b1"); return 1; });
  assert.equal(await other, 1);
  assert.deepEqual(events, ["a1 start", "b1"], "arm64 ran while amd64's first piece waited; amd64's second did not start");
  release();
  await assert.rejects(first, /a1 failed/);
  assert.equal(await second, 2);
  assert.deepEqual(events, ["a1 start", "b1", "a1 end", "a2"]);
});
