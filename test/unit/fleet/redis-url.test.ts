// --redis URL as connection options: host, port, database, user and password, TLS for rediss://.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRedisUrl } from "../../../src/fleet/queue/redis-url.js";
import { parseLabels } from "../../../src/fleet/queue/worker-labels.js";

const options = (text: string, password?: string) => {
  const parsed = parseRedisUrl(text, password);
  if ("problem" in parsed) assert.fail(parsed.problem);
  return parsed.options;
};
const problem = (text: string): string => {
  const parsed = parseRedisUrl(text);
  if (!("problem" in parsed)) assert.fail(`${text} was accepted`);
  return parsed.problem;
};

test("redis://HOST reads port 6379 and database 0, and never gives up a command (BullMQ needs maxRetriesPerRequest: null)", () => {
  assert.deepEqual(options("redis://queue.lan"), { host: "queue.lan", port: 6379, db: 0, maxRetriesPerRequest: null });
  assert.deepEqual(options("redis://127.0.0.1:6380/2"), { host: "127.0.0.1", port: 6380, db: 2, maxRetriesPerRequest: null });
  assert.equal(options("redis://[::1]:7000").host, "::1");
});

test("an ACL user and password from the URL (decoded), or the password from the environment where the URL has none", () => {
  const acl = options("redis://builder:s%40cret@queue.lan:6379");
  assert.equal(acl.username, "builder");
  assert.equal(acl.password, "s@cret");
  assert.equal(options("redis://:pw@h").password, "pw");
  assert.equal(options("redis://h", "from-env").password, "from-env");
  assert.equal(options("redis://:url@h", "from-env").password, "url");
  assert.equal(options("redis://h").password, undefined);
});

test("rediss:// turns TLS on, checking the host's name", () => {
  assert.deepEqual(options("rediss://queue.example.org:6380").tls, { servername: "queue.example.org" });
  assert.equal(options("redis://queue.example.org").tls, undefined);
});

test("a wrong scheme, database or no URL is refused with the form to write, never showing the password", () => {
  assert.match(problem("http://h:6379"), /must be redis:\/\/ or rediss:\/\//);
  assert.match(problem("queue.lan:6379"), /scheme must be|not a URL/);
  assert.match(problem("redis://h/x"), /database x must be a whole number/);
  assert.ok(!problem("http://u:topsecret@h").includes("topsecret"));
});

test("--labels: KEY=VALUE pairs, none for any target; a pair without '=' or a key twice is refused", () => {
  assert.deepEqual(parseLabels("arch=amd64,profile=default/linux/amd64/23.0"), { labels: { arch: "amd64", profile: "default/linux/amd64/23.0" } });
  assert.deepEqual(parseLabels(""), { labels: {} });
  assert.match((parseLabels("arch") as { problem: string }).problem, /'arch' is not KEY=VALUE/);
  assert.match((parseLabels("arch=amd64,arch=arm64") as { problem: string }).problem, /arch is given twice/);
});
