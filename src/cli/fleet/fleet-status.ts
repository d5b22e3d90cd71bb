// `binpkgbot status -c FLEET`: each target's status as `status` prints it for one config, headed by
// the target's name and labels; --json: one document with each target's.
import type { CommandContext } from "../command-context.js";
import { printStatus, readStatus } from "../commands/status.js";
import { ExitCode } from "../exit-codes.js";
import { describeTarget, type LoadedFleetFile } from "./load-fleet.js";

export async function statusFleet(context: CommandContext, loaded: LoadedFleetFile, json: boolean): Promise<number> {
  const statuses = [];
  for (const entry of loaded.entries) statuses.push({ ...entry, status: await readStatus(entry.config) });
  if (json) {
    const targets = statuses.map(({ target, config, status }) => ({ name: target.name, labels: target.labels, config: config.file, ...status }));
    context.stdout(JSON.stringify({ fleet: loaded.fleet.path, targets }, null, 2));
    return ExitCode.ok;
  }
  statuses.forEach(({ target, config, status }, index) => {
    if (index > 0) context.stdout("");
    context.stdout(`=== target ${describeTarget(target)}: ${config.file}`);
    printStatus(context, config, status);
  });
  return ExitCode.ok;
}
