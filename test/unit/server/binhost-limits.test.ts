import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_LIMITS, parseLimitFlags } from "../../../src/server/binhost-limits.js";

test("no flag gives the defaults; each flag sets its limit", () => {
  assert.deepEqual(parseLimitFlags({}), { ok: true, value: DEFAULT_LIMITS });
  const parsed = parseLimitFlags({ "max-connections": "1000", "max-connections-per-address": "200", "send-timeout": "500", "max-pipeline-depth": "0", "send-buffer": "65536" });
  assert.deepEqual(parsed, {
    ok: true,
    value: { ...DEFAULT_LIMITS, maxConnections: 1000, maxConnectionsPerAddress: 200, sendTimeoutMs: 500, maxPipelineDepth: 0, sendBufferBytes: 65536 },
  });
});

test("every bad value is named with its flag and unit", () => {
  const parsed = parseLimitFlags({ "max-connections": "0", "headers-timeout": "1s", "send-buffer": "-1", "idle-timeout": "250" });
  assert.equal(parsed.ok, false);
  assert.equal(
    !parsed.ok && parsed.message,
    '--max-connections: "0" must be a whole number of at least 1; --headers-timeout: "1s" must be a whole number of milliseconds of at least 1; --send-buffer: "-1" must be a whole number of bytes of at least 1',
  );
});
