// A child's output reaches a slow reader whole, without piling up in memory: while the reader's promise
// is pending, the pipe is not read and the child waits on its full pipe.
import assert from "node:assert/strict";
import { test } from "node:test";
import { nodeExec } from "../../src/exec/exec.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test("a handler's pending promise holds back the next chunk, and every byte arrives in order", async () => {
  let pending = false;
  let overlapped = false;
  const received: Buffer[] = [];
  const result = await nodeExec.run(["sh", "-c", "seq 1 200000"], {
    capture: false,
    onStdout: (chunk) => {
      if (pending) overlapped = true;
      received.push(chunk);
      pending = true;
      return sleep(2).then(() => void (pending = false));
    },
  });
  assert.equal(result.code, 0);
  assert.equal(overlapped, false, "no chunk came while the previous one was still being written");
  const lines = Buffer.concat(received).toString().split("\n");
  assert.equal(lines.length, 200_001);
  assert.equal(lines[199_999], "200000");
});

test("output still held back when the child exits is relayed, however long the reader takes", async () => {
  let bytes = 0;
  const started = Date.now();
  // 2 MiB, written at once; the reader takes 100 ms a chunk, far beyond the 2 s drain after exit.
  const result = await nodeExec.run(["sh", "-c", "head -c 2097152 /dev/zero"], {
    capture: false,
    onStdout: (chunk) => {
      bytes += chunk.length;
      return sleep(100);
    },
  });
  assert.equal(result.code, 0);
  assert.ok(Date.now() - started > 2_000, "the reader was slower than the drain");
  assert.equal(bytes, 2 * 1024 * 1024);
});

test("captured output is decoded whole: a character split between chunks stays intact", async () => {
  const result = await nodeExec.run(["sh", "-c", "i=0; while [ $i -lt 20000 ]; do printf 'ü'; i=$((i+1)); done"]);
  assert.equal(result.stdout, "ü".repeat(20_000));
});

test("every chunk has reached its handler when the result comes, also where some were held back", async () => {
  const total = (await nodeExec.run(["sh", "-c", "seq 1 300000"])).stdout.length;
  for (let attempt = 0; attempt < 10; attempt++) {
    let bytes = 0;
    let calls = 0;
    await nodeExec.run(["sh", "-c", "seq 1 300000"], {
      capture: false,
      onStdout: (chunk) => {
        bytes += chunk.length;
        calls += 1;
        return calls % 3 === 0 ? sleep(1) : undefined;
      },
    });
    assert.equal(bytes, total, `attempt ${attempt + 1}`);
  }
});

test("given a file for its output, the child writes stdout and stderr there itself, in the order written, and no handler is called", async () => {
  const { mkdtemp, open, readFile, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const path = await import("node:path");
  const dir = await mkdtemp(path.join(tmpdir(), "exec-output-"));
  const file = path.join(dir, "out.log");
  const log = await open(file, "a");
  try {
    await log.write("header\n");
    let handled = 0;
    const result = await nodeExec.run(["sh", "-c", "echo one; echo two >&2; printf three"], {
      outputFd: log.fd, capture: false, onStdout: () => void handled++, onStderr: () => void handled++,
    });
    assert.equal(result.code, 0);
    assert.equal(handled, 0);
    assert.equal(await readFile(file, "utf8"), "header\none\ntwo\nthree");
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});
