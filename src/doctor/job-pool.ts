// The doctor on build_jobs: whether the stage's tools take their jobs from the run's job pool, and what
// does not. checkJobPool is pure; readJobPoolFacts reads the stage's installed-package database.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { compareVersions } from "../portage/version-compare.js";
import type { TextFile } from "./facts.js";
import type { Finding } from "./finding.js";

/** Versions installed in the stage (its /var/db/pkg), null when not found. */
export interface JobPoolFacts {
  buildJobs: number;
  stage: string;
  portage: string | null;
  make: string | null;
  ninja: string | null;
}

// FEATURES=jobserver-token came with portage 3.0.74 (NEWS, bug 966879); the fifo: form of
// --jobserver-auth with GNU make 4.4 (GNU make manual, "POSIX Jobserver Interaction"); ninja reads a
// jobserver from MAKEFLAGS since 1.13.
const MIN_PORTAGE = "3.0.74";
const MIN_MAKE = "4.4";
const MIN_NINJA = "1.13";

const PACKAGES = { portage: ["sys-apps/portage"], make: ["dev-build/make", "sys-devel/make"], ninja: ["dev-build/ninja", "dev-util/ninja"] };

export async function readJobPoolFacts(buildJobs: number, stage: string): Promise<JobPoolFacts> {
  const installed = async (names: string[]): Promise<string | null> => {
    for (const name of names) {
      const [category = "", pn = ""] = name.split("/");
      const entries = await readdir(join(stage, "var/db/pkg", category)).catch(() => [] as string[]);
      const versions = entries.filter((entry) => entry.startsWith(`${pn}-`)).map((entry) => entry.slice(pn.length + 1))
        .filter((version) => compareVersions(version, "0") !== undefined);
      if (versions.length > 0) return versions.sort((a, b) => compareVersions(a, b) ?? 0).at(-1) ?? null;
    }
    return null;
  };
  return { buildJobs, stage, portage: await installed(PACKAGES.portage), make: await installed(PACKAGES.make), ninja: await installed(PACKAGES.ninja) };
}

export function checkJobPool(facts: JobPoolFacts | null, makeConf: readonly TextFile[] | null): Finding[] {
  if (facts === null) return [];
  const subject = `build_jobs: ${facts.buildJobs}`;
  const older = (version: string | null, minimum: string): boolean => version !== null && (compareVersions(version, minimum) ?? 0) < 0;
  const findings: Finding[] = [];
  if (facts.portage === null || older(facts.portage, MIN_PORTAGE)) {
    findings.push({ level: facts.portage === null ? "warning" : "problem", subject,
      message: `${facts.portage === null ? `no sys-apps/portage found in ${facts.stage}/var/db/pkg` : `portage ${facts.portage} in the stage`}: FEATURES=jobserver-token needs portage ${MIN_PORTAGE} or newer; without it emerge takes no token per build, and every container runs one job outside the pool`,
      fix: `upgrade sys-apps/portage in the stage (an 'upgrade: sys-apps/portage' task first)` });
  }
  if (older(facts.make, MIN_MAKE)) {
    findings.push({ level: "problem", subject, message: `GNU make ${facts.make} in the stage does not read --jobserver-auth=fifo: (make ${MIN_MAKE} or newer): its builds run outside the pool`,
      fix: "upgrade dev-build/make in the stage" });
  }
  if (older(facts.ninja, MIN_NINJA)) {
    findings.push({ level: "warning", subject, message: `ninja ${facts.ninja} in the stage takes no jobs from a jobserver (ninja ${MIN_NINJA} or newer does): meson and cmake builds run their own -j`,
      fix: "upgrade dev-build/ninja in the stage" });
  }
  const makeopts = (makeConf ?? []).find((file) => /^[ \t]*(?:export[ \t]+)?MAKEOPTS=/m.test(file.text));
  if (makeopts) {
    findings.push({ level: "warning", subject, message: `MAKEOPTS in ${makeopts.path} is not used while the pool is on: emake drops MAKEOPTS when MAKEFLAGS is set (Portage's bin/ebuild-helpers/emake), so that a -jN cannot take make out of the jobserver`,
      fix: "nothing to do for the pool; MAKEOPTS (its -l too) applies again without build_jobs" });
  }
  findings.push({ level: "ok", subject,
    message: `one GNU make jobserver with ${facts.buildJobs} tokens for all containers (MAKEFLAGS=--jobserver-auth=fifo:, FEATURES=jobserver-token); not held to it: builds that ignore MAKEFLAGS or run make with their own -jN, cargo/rustc and other tools that are no jobserver clients, and ninja before ${MIN_NINJA}` });
  return findings;
}
