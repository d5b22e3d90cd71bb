// Whether the tasks need a run: a key over everything outside the stage that a task's result depends
// on — the repository's revision, etc_portage and the text of the config and its includes. The daemon
// runs the tasks when the key differs from that of its last completed task run.
import { createHash } from "node:crypto";
import type { Config } from "../config/config.js";
import type { Exec } from "../exec/exec.js";
import { hashDirectory, readRepoRevision } from "../state/read-inputs.js";

export interface ChangeInputs {
  repoRevision: string;
  etcPortageHash: string;
  /** Each config file (the config, then its includes) with its text. */
  configTexts: readonly ConfigText[];
}

export function computeChangeKey(inputs: ChangeInputs): string {
  const hash = createHash("sha256");
  hash.update(`repo\0${inputs.repoRevision}\n`);
  hash.update(`etc_portage\0${inputs.etcPortageHash}\n`);
  for (const { file, text } of inputs.configTexts) hash.update(`file\0${file}\0${text.length}\0${text}\n`);
  return hash.digest("hex");
}

export interface ConfigText {
  file: string;
  text: string;
}

/**
 * Reads the repository's revision and etc_portage's hash; the config's texts are those it was loaded
 * from (not read again: an edit that did not load, being invalid, must not count as a change).
 * Throws the readers' typed errors, which name the path.
 */
export async function readChangeInputs(config: Config, exec: Exec, configTexts: readonly ConfigText[]): Promise<ChangeInputs> {
  const [repoRevision, etcPortageHash] = await Promise.all([readRepoRevision(config.portageRepo, exec), hashDirectory(config.etcPortage)]);
  return { repoRevision, etcPortageHash, configTexts };
}
