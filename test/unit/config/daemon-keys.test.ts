// The daemon's keys: a webhook must be an http(s) URL, mail addresses one line each, sendmail an absolute path,
// status_listen HOST:PORT. Each problem names its key path and gives an example.
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeDaemonKeys } from "../../../src/config/daemon-keys.js";
import type { ConfigIssue } from "../../../src/config/issues.js";

type Mail = { to: string; from?: string; sendmail: string };

function check(notify: { webhook?: string; mail?: Mail }, statusListen: string | boolean = false): Array<Omit<ConfigIssue, "file">> {
  const issues: Array<Omit<ConfigIssue, "file">> = [];
  normalizeDaemonKeys({ schedule: "1h", notify, status_listen: statusListen }, (issue) => issues.push(issue));
  return issues;
}

const webhookIssue = (url: string): Omit<ConfigIssue, "file"> => ({ path: ["notify", "webhook"], message: `'${url}' is not an http(s) URL`, hint: "e.g. https://hooks.example.org/binpkgbot" });

test("a webhook may be http or https, and nothing else", () => {
  assert.deepEqual(check({ webhook: "https://hooks.example.org/x" }), []);
  assert.deepEqual(check({ webhook: "http://10.0.0.1:8080/x" }), []);
  assert.deepEqual(check({ webhook: "ftp://example.org/x" }), [webhookIssue("ftp://example.org/x")]);
  assert.deepEqual(check({ webhook: "xhttps://example.org/x" }), [webhookIssue("xhttps://example.org/x")]);
  assert.deepEqual(check({ webhook: "hooks.example.org/x" }), [webhookIssue("hooks.example.org/x")]);
});

test("a blank mail address or one with a line break is refused at its key: it would write more mail headers", () => {
  const sendmail = "/usr/sbin/sendmail";
  assert.deepEqual(check({ mail: { to: "root@localhost", from: "bot@example.org", sendmail } }), []);
  assert.deepEqual(check({ mail: { to: " ", sendmail } }), [
    { path: ["notify", "mail", "to"], message: "' ' is not a mail address", hint: "one line, e.g. root@localhost" },
  ]);
  assert.deepEqual(check({ mail: { to: "root@localhost", from: "a@b\nBcc: c@d", sendmail } }), [
    { path: ["notify", "mail", "from"], message: "'a@b\nBcc: c@d' is not a mail address", hint: "one line, e.g. root@localhost" },
  ]);
  assert.deepEqual(check({ mail: { to: "a@b\r", sendmail } }).map((issue) => issue.path), [["notify", "mail", "to"]]);
});

test("sendmail must be an absolute path", () => {
  assert.deepEqual(check({ mail: { to: "root@localhost", sendmail: "usr/sbin/" } }), [
    { path: ["notify", "mail", "sendmail"], message: "'usr/sbin/' must be an absolute path", hint: "e.g. /usr/sbin/sendmail" },
  ]);
});

test("status_listen: true is no address, and the message says false turns the server off", () => {
  assert.deepEqual(check({}, true), [
    { path: ["status_listen"], message: "'true' is not HOST:PORT", hint: "e.g. 127.0.0.1:8735 or [::1]:8735; false turns the status server off" },
  ]);
});
