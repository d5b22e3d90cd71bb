// Targets of one fleet often share an ebuild repository (one ::gentoo checkout on the build host).
// Syncing it once per fleet run is enough, and two syncs of one checkout at the same time (the
// coordinator runs targets side by side) would write the same files at once. So the first target
// naming a repository syncs it, and the others naming the same one do not: they run once that sync has
// ended (src/fleet/queue/coordinator.ts), or after that target (the fleet `run`, one target after
// another). Pure: the repositories' real paths come in.
import type { Config } from "../config/config.js";

export interface SyncAssignment {
  /** The config the target runs with: its own, or with `sync` off when another target syncs its repository. */
  config: Config;
  /** The target that syncs this one's repository in this run, when it is another; null: this one does, or none. */
  syncedBy: string | null;
}

/** Per target, in the fleet's order: who syncs the repository it reads. `realRepo` gives a repository's real path. */
export function assignSyncs(targets: readonly { name: string; config: Config }[], realRepo: (repo: string) => string): Map<string, SyncAssignment> {
  const syncer = new Map<string, string>();
  const assigned = new Map<string, SyncAssignment>();
  for (const { name, config } of targets) {
    const repo = realRepo(config.portageRepo);
    const first = syncer.get(repo);
    if (config.sync.kind === "none") assigned.set(name, { config, syncedBy: null });
    else if (first === undefined) {
      syncer.set(repo, name);
      assigned.set(name, { config, syncedBy: null });
    } else assigned.set(name, { config: { ...config, sync: { kind: "none" } }, syncedBy: first });
  }
  return assigned;
}

/** The notice a target gets when another one syncs its repository. */
export function syncedByNotice(config: Config, syncedBy: string): string {
  return `the repository ${config.portageRepo} is synced once in this run, by target ${syncedBy}; this target does not sync it again`;
}
