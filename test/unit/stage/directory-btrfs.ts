// btrfs-progs played by plain directories, for unit tests of the stage transaction without root: a
// snapshot is a recursive copy, a delete a recursive removal. Subvolumes never nest here.
import { cp, rm } from "node:fs/promises";
import type { Exec, ExecResult } from "../../../src/exec/exec.js";

export interface DirectoryBtrfs extends Exec {
  /** The btrfs commands run, as "snapshot SRC DST" / "delete PATH" / "readonly PATH". */
  log: string[];
}

export function directoryBtrfs(): DirectoryBtrfs {
  const log: string[] = [];
  const ok = (argv: readonly string[], stdout = ""): ExecResult => ({ argv, code: 0, signal: null, stdout, stderr: "" });
  return {
    log,
    async run(argv) {
      const [tool, group, verb, ...args] = argv;
      // btrfs property set -ts PATH ro true: logged only; directories have no read-only flag here.
      if (tool === "btrfs" && group === "property" && verb === "set" && args[0] === "-ts" && args[2] === "ro") {
        log.push(`readonly ${args[1]}`);
        return ok(argv);
      }
      if (tool !== "btrfs" || group !== "subvolume") throw new Error(`unexpected command ${argv.join(" ")}`);
      const paths = args.filter((arg) => !arg.startsWith("-"));
      switch (verb) {
        case "snapshot": {
          const [source, dest] = paths as [string, string];
          log.push(`snapshot ${source} ${dest}`);
          await cp(source, dest, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
          return ok(argv);
        }
        case "delete":
          log.push(`delete ${paths[0]}`);
          await rm(paths[0] ?? "", { recursive: true });
          return ok(argv);
        case "show":
          return ok(argv, `${paths[0]}\n`);
        case "list":
          return ok(argv);
        default:
          throw new Error(`unexpected command ${argv.join(" ")}`);
      }
    },
  };
}
