// What every command gets: where the config is, how to print, and the effects it may use.
import type { Exec } from "../exec/exec.js";

export interface CommandContext {
  configFile: string;
  args: string[];
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  exec: Exec;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** The standard streams themselves, for output that comes as bytes or redraws a terminal (run). */
  streams?: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };
  /** The terminal's width where stdout is one; undefined for a pipe or file (one line per message there). */
  columns?: number;
}
