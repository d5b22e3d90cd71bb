// What `binpkgbot doctor` knows about the host and the config: read by read-facts.ts, judged by
// the pure checks. Plain data, so a test can describe any set-up in a few lines.
import type { BindFacts } from "./binds.js";
import type { MemoryLimitFacts } from "./memory-limit.js";
import type { JobPoolFacts } from "./job-pool.js";
import type { SigningFacts } from "./signing.js";

/** A config file as Portage reads it; a directory form gives one entry per file, in reading order. */
export interface TextFile {
  path: string;
  text: string;
}

export type PathKind = "directory" | "missing" | "dangling-symlink" | "symlink-loop" | "not-directory";

/** A directory binpkgbot writes to (created by `binpkgbot run` when missing). */
export interface WritableDirFacts {
  path: string;
  kind: PathKind;
  /** The directory itself is writable; when missing, whether its nearest existing ancestor is (so mkdir -p works). */
  writable: boolean;
  /** When missing: the nearest existing ancestor. */
  existingAncestor: string | null;
  /** The filesystem of the directory, or of its nearest existing ancestor. */
  filesystem: string | null;
}

export interface StageFacts {
  path: string;
  kind: PathKind;
  /** Where the stage path points when it is a symlink (a generation of the stage). */
  symlinkTarget: string | null;
  filesystem: string | null;
  subvolume: boolean;
  /** systemd-nspawn refuses a tree without /usr. */
  hasUsr: boolean;
  /** The stage's own /etc/portage/binrepos.conf (file or directory form). */
  binrepos: TextFile[];
  /** The directory the stage is in: it holds the stage's lock and generations; `stage init` needs it, on btrfs. */
  parent?: WritableDirFacts;
}

export interface RepoFacts {
  path: string;
  kind: PathKind;
  /** The text of profiles/repo_name, trimmed; null when absent. */
  repoName: string | null;
  hasMetadataDir: boolean;
}

export interface EtcPortageFacts {
  path: string;
  kind: PathKind;
  /** make.conf (file or directory form); null when there is none. */
  makeConf: TextFile[] | null;
  /** binrepos.conf (file or directory form); empty when there is none. */
  binrepos: TextFile[];
}

export interface NspawnFacts {
  path: string | null;
  version: number | null;
}

export interface DoctorFacts {
  configFile: string;
  nspawn: NspawnFacts;
  stage: StageFacts;
  pkgdir: WritableDirFacts;
  distdir: WritableDirFacts | null;
  stateDir: WritableDirFacts;
  portageRepo: RepoFacts;
  etcPortage: EtcPortageFacts;
  /** The config's `binds`, each with its source and what the stage has at its target. */
  binds?: BindFacts[];
  /** The atom of every upgrade/install task, in config order. */
  buildAtoms: string[];
  emergeOptions: string[];
  /** The repository is synced before the tasks (sync is not `false`). */
  syncEnabled: boolean;
  /** The configured signing key, tried once; absent or null without `signing`. */
  signing?: SigningFacts | null;
  /** How memory_max is applied here; absent where not read (tests of other checks). */
  memoryLimit?: MemoryLimitFacts;
  /** With build_jobs: the stage's Portage, make and ninja (src/doctor/job-pool.ts); absent or null without. */
  jobPool?: JobPoolFacts | null;
}
