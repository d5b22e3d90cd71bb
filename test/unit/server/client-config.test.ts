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
  it("script, unsigned, the server reporting itself with its token", () => {
    assertGolden("reporting.sh", renderClientConfig({ ...unsigned, report: { name: "web1.lab", token: "0123456789abcdef0123456789abcdef" } }, "script"));
  });
  const repository = { name: "gentoo", location: "/var/db/repos/gentoo", syncUri: "https://binhost.example.org/amd64/desktop/tags/prod/repository.zip" };
  it("text, signed, with the repository synced from the release", () => assertGolden("with-repo.txt", renderClientConfig({ ...signed, repository }, "text")));
  it("script, unsigned, with the repository synced from the release", () => assertGolden("with-repo.sh", renderClientConfig({ ...unsigned, repository }, "script")));
  it("script without --with-repo writes no repos.conf", () => {
    assert.doesNotMatch(renderClientConfig(unsigned, "script"), /portage_dir\/repos\.conf|sync-type/);
  });
  it("script without --report has no report lines", () => {
    assert.doesNotMatch(renderClientConfig(unsigned, "script"), /post_emerge|binpkgbot report|report-token/);
  });
  it("script reporting without a token requires the token file on the server instead of writing one", () => {
    const script = renderClientConfig({ ...unsigned, report: { name: "web1" } }, "script");
    assert.match(script, /if \[ ! -s "\$report_token" \]; then\n\techo "error: \$report_token is missing/);
    assert.doesNotMatch(script, /BINPKGBOT_EOF\n[0-9a-f]{32}/);
  });

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
    ["a report name with a slash", { url: "http://x", name: "n", report: { name: "../web1" } }, "report.name"],
    ["a report name with a quote", { url: "http://x", name: "n", report: { name: "web'1" } }, "report.name"],
    ["a repository name with a slash", { url: "http://x", name: "n", repository: { ...repository, name: "../gentoo" } }, "repository.name"],
    ["a repository location with a quote", { url: "http://x", name: "n", repository: { ...repository, location: "/var/db/'x" } }, "repository.location"],
    ["a relative repository location", { url: "http://x", name: "n", repository: { ...repository, location: "var/db/repos/gentoo" } }, "repository.location"],
    ["a short report token", { url: "http://x", name: "n", report: { name: "web1", token: "abc" } }, "report.token"],
    ["a report token ending a here-document", { url: "http://x", name: "n", report: { name: "web1", token: "0123456789abcdef\nBINPKGBOT_EOF\nrm -rf /" } }, "report.token"],
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
