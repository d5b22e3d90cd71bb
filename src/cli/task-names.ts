// The task names a person may give to history, log and --force: the config's tasks, and the sync.
import type { Config } from "../config/config.js";

export function taskNames(config: Config): string[] {
  return [...(config.sync.kind === "none" ? [] : ["sync"]), ...config.tasks.map((task) => task.id)];
}

export function isConfiguredTask(config: Config, name: string): boolean {
  return taskNames(config).includes(name);
}
