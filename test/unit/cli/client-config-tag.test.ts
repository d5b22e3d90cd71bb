// client-config --tag NAME points a server at a tagged release (/tags/NAME/ of binpkgbot serve).
import assert from "node:assert/strict";
import { test } from "node:test";
import { clientConfigCommand } from "../../../src/cli/commands/client-config.js";
import type { CommandContext } from "../../../src/cli/command-context.js";
import { CliError } from "../../../src/cli/exit-codes.js";

async function clientConfig(...args: string[]): Promise<string> {
  const out: string[] = [];
  const context: CommandContext = {
    configFile: "binpkgbot.yml", args, stdout: (line) => out.push(line), stderr: () => undefined,
    exec: { run: () => assert.fail("client-config starts nothing") }, env: {}, now: () => new Date(0),
  };
  await clientConfigCommand(context);
  return out.join("\n");
}

test("--tag makes sync-uri the tag's path on the binhost", async () => {
  assert.match(await clientConfig("--url", "http://buildhost:8736/", "--tag", "prod"), /^sync-uri = http:\/\/buildhost:8736\/tags\/prod$/m);
  assert.match(await clientConfig("--url", "http://buildhost:8736"), /^sync-uri = http:\/\/buildhost:8736$/m);
});

test("a tag name that is no path segment is a usage error", async () => {
  await assert.rejects(clientConfig("--url", "http://buildhost:8736", "--tag", "../x"), (error: unknown) =>
    error instanceof CliError && error.exitCode === 2 && /--tag: tag '\.\.\/x' is not usable/.test(error.message));
});
