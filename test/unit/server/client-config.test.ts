import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InvalidClientConfigError, renderClientConfig, type ClientConfigInput } from "../../../src/server/client-config.js";

// Compiled to build/test/unit/server/; the golden files stay in the source tree.
// BINPKGBOT_UPDATE_GOLDEN=1 rewrites them after an intended change (review the diff).
const expected = new URL("../../../../test/fixtures/binhost-client/expected/", import.meta.url);
function assertGolden(name: string, actual: string): void {
  const url = new URL(name, expected);
  if (process.env.BINPKGBOT_UPDATE_GOLDEN === "1") writeFileSync(url, actual);
  assert.equal(actual, readFileSync(url, "utf8"));
}

const signed: ClientConfigInput = {
  url: "https://binhost.example.org/amd64/desktop",
  name: "home-lab",
  signingKey: {
    fingerprint: "0123 4567 89ab cdef 0123  4567 89AB CDEF 0123 4567",
    publicKeyUrl: "https://binhost.example.org/amd64/desktop/binhost-key.asc",
  },
};
const unsigned: ClientConfigInput = { url: "http://192.0.2.7:8080", name: "lab_2", priority: 5 };

describe("renderClientConfig", () => {
  it("text, signed", () => assertGolden("signed.txt", renderClientConfig(signed, "text")));
  it("script, signed", () => assertGolden("signed.sh", renderClientConfig(signed, "script")));
  it("text, unsigned", () => assertGolden("unsigned.txt", renderClientConfig(unsigned, "text")));
  it("script, unsigned", () => assertGolden("unsigned.sh", renderClientConfig(unsigned, "script")));

  const bad: [string, ClientConfigInput, string][] = [
    ["a name with a space", { url: "http://x", name: "my host" }, "name"],
    ["a name with a quote", { url: "http://x", name: "a'b" }, "name"],
    ["an empty name", { url: "http://x", name: "" }, "name"],
    ["an ftp URL", { url: "ftp://x/", name: "n" }, "url"],
    ["a URL with a quote", { url: "http://x/'; rm -rf /", name: "n" }, "url"],
    ["a URL with whitespace", { url: "http://x/a b", name: "n" }, "url"],
    ["a URL with a command substitution", { url: "http://x/$(id)", name: "n" }, "url"],
    ["a URL with a newline", { url: "http://x/\n[evil]", name: "n" }, "url"],
    ["a short fingerprint", { ...signed, signingKey: { fingerprint: "ABCDEF01", publicKeyUrl: "http://x/k" } }, "signingKey.fingerprint"],
    ["a key URL with a backtick", { ...signed, signingKey: { fingerprint: "0".repeat(40), publicKeyUrl: "http://x/`id`" } }, "signingKey.publicKeyUrl"],
    ["a fractional priority", { url: "http://x", name: "n", priority: 1.5 }, "priority"],
  ];
  for (const [what, input, field] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => renderClientConfig(input, "script"),
        (error: unknown) => error instanceof InvalidClientConfigError && error.issues.some((i) => i.field === field),
      );
    });
  }
});
