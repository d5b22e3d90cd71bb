// Which worker builds a target that signs its binpkgs: only one started with --signer, on whose host the
// target's signing key is at its signing.gnupg_home, checked there. The key never travels: jobs, target
// records and heartbeats name the key and the path of its GnuPG home, nothing more (test/unit/fleet/
// signer.test.ts), and no transfer route carries it. Pure, but for `checkSigningKey`.
import type { Config } from "../../config/config.js";
import { readSigningFacts } from "../../doctor/signing.js";
import type { Exec } from "../../exec/exec.js";
import { labelsMatch, type FleetTarget } from "../fleet.js";
import type { WorkerStatus } from "./worker-status.js";

/** A target's signing, as its record in Redis and its jobs name it. */
export interface TargetSigning {
  key: string;
  gnupgHome: string;
}

export function targetSigning(config: Pick<Config, "signing">): TargetSigning | null {
  return config.signing ? { key: config.signing.key, gnupgHome: config.signing.gnupgHome } : null;
}

/** null: this worker may run jobs that sign with `signing`; else why not, in one line. `keyProblem`: its key check's answer (signers only). */
export function refuseSigning(target: string, signing: TargetSigning, worker: { signer: boolean }, keyProblem: string | null): string | null {
  if (!worker.signer) {
    return `${target} signs its binpkgs (signing.key ${signing.key}): only workers started with --signer, on a host with that key in ${signing.gnupgHome}, build it`;
  }
  if (keyProblem === null) return null;
  return `--signer, but this host cannot sign ${target}'s binpkgs with key ${signing.key} from ${signing.gnupgHome}: ${keyProblem}; put the key there (gpg --homedir ${signing.gnupgHome} --import SECRET-KEY.asc), check it with binpkgbot doctor, and restart the worker`;
}

/**
 * A signing target's jobs wait until a signer whose labels match takes them: the coordinator says so
 * at the start of its run when no such worker has a heartbeat (one line, the command to start one).
 */
export function describeMissingSigner(target: Pick<FleetTarget, "name" | "labels">, signing: TargetSigning | null, workers: readonly Pick<WorkerStatus, "labels" | "signer" | "skipped">[]): string | null {
  if (signing === null) return null;
  const able = workers.filter((worker) => worker.signer && labelsMatch(worker.labels, target) && !worker.skipped.some((skip) => skip.target === target.name));
  if (able.length > 0) return null;
  const labels = Object.entries(target.labels).map(([key, value]) => `${key}=${value}`).join(",");
  return `${target.name} signs its binpkgs, and no signer worker for it is running: its jobs wait until one is (binpkgbot worker --redis URL --labels ${labels} --signer, on a host with key ${signing.key} in ${signing.gnupgHome})`;
}

/** Checks each key once per worker: it signs a few bytes, unattended, from a copy of its GnuPG home (as binpkgbot doctor). */
export class SigningKeyChecks {
  private readonly checked = new Map<string, Promise<string | null>>();

  constructor(private readonly exec: Exec) {}

  /** null: the key signs here; else gpg's (or the file system's) last words. */
  problem(signing: TargetSigning): Promise<string | null> {
    const id = `${signing.gnupgHome}\0${signing.key}`;
    let check = this.checked.get(id);
    if (!check) {
      check = readSigningFacts(signing, this.exec).then((facts) => facts.failure);
      this.checked.set(id, check);
    }
    return check;
  }
}
