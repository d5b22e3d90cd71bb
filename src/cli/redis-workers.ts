// --redis URL of `dashboard` and `daemon`: the reader of the fleet's workers their status server shows.
import { createWorkersReader, describeRedis, type WorkersReader } from "../fleet/queue/read-workers.js";
import { readRedisOption } from "./commands/worker.js";

export function readWorkersOption(command: string, url: string | undefined, env: NodeJS.ProcessEnv): { reader: WorkersReader; where: string } | null {
  if (url === undefined) return null;
  const options = readRedisOption(command, url, env);
  return { reader: createWorkersReader(options), where: describeRedis(options) };
}
