// binpkgbot coverage's own cost, outside emerge: 20 servers with 1,000-entry worlds, each answered by
// a stand-in for the container that returns a 1,000-line merge list at once (a third built from source,
// half of those passed-over binpkgs). What is left is binpkgbot's work per server: laying out the
// server's files, parsing, summarising, cleaning up. Target: under 10% of a check, where Portage itself
// takes tens of seconds to resolve a real @world (GENTOO.md); the ratio below assumes 20 s per emerge.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import type { Config, Server } from "../src/config/config.js";
import { checkCoverage } from "../src/coverage/check-coverage.js";
import { renderSuggestedTasks } from "../src/coverage/suggest-tasks.js";
import type { Exec } from "../src/exec/exec.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";

const SERVERS = 20;
const WORLD = 1_000;
const RUNS = 5;
const EMERGE_MS = 20_000;

function pretendOutput(server: number): string {
  const lines: string[] = [];
  const ignored: string[] = [];
  for (let i = 0; i < WORLD; i++) {
    const cpv = `dev-libs/pkg${i}-1.${i % 7}`;
    if (i % 3 === 0) {
      lines.push(`[ebuild  N     ] ${cpv}  USE="ssl doc${server % 4} -gtk -test" PYTHON_TARGETS="python3_12 -python3_13" `);
      if (i % 6 === 0) ignored.push(`    =${cpv} -doc${server % 4}`);
    } else lines.push(`[binary  N     ] ${cpv}-${i % 5 + 1} `);
  }
  return `${lines.join("\n")}\n\n!!! The following binary packages have been ignored due to non matching USE:\n\n${ignored.join("\n")}\n`;
}

export async function benchCoverage(): Promise<BenchResult[]> {
  const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-bench-coverage-"));
  try {
    const servers: Server[] = [];
    for (let s = 0; s < SERVERS; s++) {
      const dir = path.join(root, `s${s}`);
      await mkdir(path.join(dir, "portage", "package.use"), { recursive: true });
      await writeFile(path.join(dir, "portage", "make.conf"), `USE="doc${s % 4}"\n`);
      for (let f = 0; f < 30; f++) await writeFile(path.join(dir, "portage", "package.use", `f${f}`), "dev-libs/pkg1 ssl\n".repeat(20));
      await writeFile(path.join(dir, "world"), Array.from({ length: WORLD }, (_, i) => `dev-libs/pkg${i}\n`).join(""));
      servers.push({ name: `s${s}`, report: false, etcPortage: path.join(dir, "portage"), world: path.join(dir, "world"), sets: [], ignore: [] });
    }
    await mkdir(path.join(root, "admin"));
    const config = {
      stage: path.join(root, "stage"), etcPortage: path.join(root, "admin"), portageRepo: path.join(root, "repo"), portageRepoLocation: "/var/db/repos/gentoo",
      pkgdir: path.join(root, "pkgs"), pkgdirLocation: "/var/cache/binpkgs", stateDir: path.join(root, "state"), useSudo: false,
    } as Config;
    let server = 0;
    const exec: Exec = { run: (argv) => Promise.resolve({ argv, code: 0, signal: null, stdout: pretendOutput(server++ % SERVERS), stderr: "" }) };
    const times: number[] = [];
    let suggestions = 0;
    for (let run = 0; run < RUNS; run++) {
      times.push(await timeMs(async () => {
        const results = await checkCoverage(config, servers, { exec, systemdPid1: true, runId: `b${run}` });
        suggestions = renderSuggestedTasks(results).length / 2;
      }));
    }
    const total = median(times);
    const width = Math.min(availableParallelism(), SERVERS);
    const perServer = total / Math.ceil(SERVERS / width);
    return [
      { name: `coverage, ${SERVERS} servers x ${WORLD} packages`, value: round(total, 1), unit: "ms", detail: `binpkgbot's own time, ${width} at once; ${suggestions} suggested tasks` },
      { name: "coverage: own share of one check", value: round((100 * perServer) / (perServer + EMERGE_MS), 3), unit: "%", detail: `${round(perServer, 1)} ms per server against ${EMERGE_MS / 1000} s of emerge (target < 10%)` },
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
