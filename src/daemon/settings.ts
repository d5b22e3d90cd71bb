// The daemon's settings of a config, with the schema's defaults where a config built in code has none.
import type { Config, DaemonSettings } from "../config/config.js";
import { parseSchedule, type Schedule } from "./schedule.js";

function defaultSchedule(): Schedule {
  const parsed = parseSchedule("1h");
  if (!parsed.ok) throw new Error("the default schedule does not parse");
  return parsed.schedule;
}

export function daemonSettings(config: Config): DaemonSettings {
  return config.daemon ?? {
    schedule: defaultSchedule(),
    notify: { webhook: null, mail: null },
    statusListen: { host: "127.0.0.1", port: 8735 },
  };
}
