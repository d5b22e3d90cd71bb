// The job pool's accounting: tokens dealt into containers' FIFOs, read back, and returned when a
// container ends; never more out than the pool holds; free tokens shared evenly.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TokenPool } from "../../../src/jobserver/token-pool.js";

/** A FIFO stand-in per member: how many bytes sit in it. */
function fifos(): { write: (id: string, count: number) => number; inPipe: Map<string, number> } {
  const inPipe = new Map<string, number>();
  return { inPipe, write: (id, count) => { inPipe.set(id, (inPipe.get(id) ?? 0) + count); return count; } };
}

function totalOut(pool: TokenPool, ids: string[]): number {
  return ids.reduce((sum, id) => sum + pool.given(id), 0);
}

describe("TokenPool", () => {
  it("deals every token to the one running container", () => {
    const pool = new TokenPool(4);
    pool.join("a");
    const { write, inPipe } = fifos();
    assert.deepEqual(pool.deal(write), [{ id: "a", count: 4 }]);
    assert.equal(inPipe.get("a"), 4);
    assert.equal(pool.freeTokens, 0);
  });

  it("returns every token of a container that ends, also those its killed build still held", () => {
    const pool = new TokenPool(3);
    pool.join("killed");
    pool.deal(fifos().write);
    // Its build read all three out of the FIFO and was killed before writing any back.
    assert.equal(pool.leave("killed"), 3);
    assert.equal(pool.freeTokens, 3);
    pool.join("next");
    const { write, inPipe } = fifos();
    pool.deal(write);
    assert.equal(inPipe.get("next"), 3, "the next container gets the whole pool");
  });

  it("takes idle tokens back and deals them to another container", () => {
    const pool = new TokenPool(2);
    pool.join("a");
    pool.deal(fifos().write);
    pool.join("b");
    assert.equal(pool.returned("a", 2), 2);
    const { write, inPipe } = fifos();
    pool.deal(write);
    assert.deepEqual([pool.given("a"), pool.given("b"), inPipe.get("a"), inPipe.get("b")], [1, 1, 1, 1]);
  });

  it("never counts bytes a build wrote into its FIFO on top of its tokens", () => {
    const pool = new TokenPool(2);
    pool.join("a");
    pool.join("b");
    pool.deal(fifos().write);
    // "a" was given one token but 50 bytes came back out of its FIFO.
    assert.equal(pool.returned("a", 50), 1);
    assert.equal(pool.freeTokens, 1);
    pool.deal(fifos().write);
    assert.equal(totalOut(pool, ["a", "b"]) + pool.freeTokens, 2);
    assert.ok(totalOut(pool, ["a", "b"]) <= 2);
  });

  it("never has more tokens out than its size, whatever the order of joins, returns and ends", () => {
    const pool = new TokenPool(5);
    const ids = ["a", "b", "c", "d"];
    let seed = 7;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const joined = new Set<string>();
    for (let round = 0; round < 2000; round += 1) {
      const id = ids[random(ids.length)] as string;
      const action = random(3);
      if (!joined.has(id)) { pool.join(id); joined.add(id); }
      else if (action === 0) { pool.leave(id); joined.delete(id); }
      else if (action === 1) pool.returned(id, random(8));
      pool.deal((_, count) => random(count + 1));
      assert.ok(totalOut(pool, [...joined]) <= 5, `round ${round}`);
      assert.equal(totalOut(pool, [...joined]) + pool.freeTokens, 5, `round ${round}`);
    }
  });

  it("shares the pool evenly among running containers", () => {
    const pool = new TokenPool(7);
    for (const id of ["a", "b", "c"]) pool.join(id);
    pool.deal(fifos().write);
    const shares = ["a", "b", "c"].map((id) => pool.given(id)).sort();
    assert.deepEqual(shares, [2, 2, 3]);
  });

  it("gives free tokens to the containers holding fewest", () => {
    const pool = new TokenPool(6);
    pool.join("busy");
    pool.deal(fifos().write);
    pool.join("idle");
    // "busy" holds 4 in running jobs; 2 were idle in its FIFO and come back.
    pool.returned("busy", 2);
    pool.deal(fifos().write);
    assert.deepEqual([pool.given("busy"), pool.given("idle")], [4, 2]);
  });

  it("takes turns: a single token goes to each waiting container in turn", () => {
    const pool = new TokenPool(1);
    for (const id of ["a", "b", "c"]) pool.join(id);
    const receivers: string[] = [];
    for (let round = 0; round < 6; round += 1) {
      const [grant] = pool.deal(fifos().write);
      assert.ok(grant);
      receivers.push(grant.id);
      pool.returned(grant.id, 1);
    }
    assert.deepEqual(receivers, ["a", "b", "c", "a", "b", "c"]);
  });

  it("keeps tokens a FIFO would not take free for the next deal", () => {
    const pool = new TokenPool(4);
    pool.join("a");
    assert.deepEqual(pool.deal(() => 1), [{ id: "a", count: 1 }]);
    assert.equal(pool.freeTokens, 3);
    assert.equal(pool.given("a"), 1);
  });

  it("refuses a pool without tokens and unknown containers", () => {
    assert.throws(() => new TokenPool(0), RangeError);
    const pool = new TokenPool(1);
    assert.throws(() => pool.leave("nobody"), /not in the job pool/);
    pool.join("a");
    assert.throws(() => pool.join("a"), /already/);
  });
});
