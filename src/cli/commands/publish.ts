import { PublishError, type PublishCrashPoint } from "../../releases/publish.js";
import { publishConfig, recoverConfigReleases } from "../../releases/publish-config.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { withStageLock } from "../lock-stage.js";
import { parseCommandArgs } from "../parse-args.js";
import { RELEASES_JSON_VERSION } from "./releases.js";

export const publishHelp = `usage: binpkgbot publish [-c FILE] [--json]

Publishes the pkgdir as it is now as a new release and makes it current: a read-only btrfs snapshot
when the pkgdir is a btrfs subvolume, hard links otherwise (never a copy), with the repository's
revision and the stage generation. Holds the stage lock (exit 5 while a run builds), then removes
releases beyond releases_keep. binpkgbot releases lists them.`;

export async function publishCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("publish", { args: context.args, options: { json: { type: "boolean", default: false } }, strict: true });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const crashPoint = testCrashPoint(context.env);
  const deps = { exec: context.exec, now: context.now, ...(crashPoint ? { crashPoint } : {}) };
  const { release, removed } = await withStageLock(context, config.stage, async () => {
    for (const message of await recoverConfigReleases(config, deps)) context.stderr(message);
    return publishConfig(config, null, deps);
  }).catch((error: unknown) => {
    if (error instanceof PublishError) throw new CliError(error.message, ExitCode.host, { cause: error });
    throw error;
  });
  if (values.json) {
    context.stdout(JSON.stringify({ version: RELEASES_JSON_VERSION, release: { path: release.path, ...release.meta }, removed }, null, 2));
    return ExitCode.ok;
  }
  context.stdout(`published release ${release.number}: ${release.meta.binpkgs} binpkgs, ${release.meta.snapshot === "btrfs" ? "a read-only btrfs snapshot" : "hard links"} in ${release.path}; it is current`);
  if (removed.length > 0) context.stdout(`removed release${removed.length === 1 ? "" : "s"} ${removed.join(", ")} (releases_keep)`);
  return ExitCode.ok;
}

/**
 * Test-only: BINPKGBOT_TEST_PUBLISH_CRASH_POINT=NAME kills this process with SIGKILL at that step of a
 * publish, so that tests can prove the old or the new release is always current.
 */
function testCrashPoint(env: NodeJS.ProcessEnv): ((name: PublishCrashPoint) => void) | undefined {
  const wanted = env.BINPKGBOT_TEST_PUBLISH_CRASH_POINT;
  if (!wanted) return undefined;
  return (name) => {
    if (name === wanted) process.kill(process.pid, "SIGKILL");
  };
}
