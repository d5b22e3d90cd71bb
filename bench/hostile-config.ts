// Loading configs built to hurt: includes that fan out exponentially, a glob that makes a backtracking
// matcher run for hours, a map of 40,000 keys, a file of half a million YAML errors. Each must end
// quickly with problems, not hang or crash. Targets: fan-out and glob under 1 s, the others under 10 s.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../src/config/load.js";
import { MAX_CONFIG_FILE_BYTES } from "../src/config/limits.js";
import { diskConfigFiles } from "../src/io/config-files.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\ntasks:\n";
const RUNS = 3;

type Case = { name: string; target: number; write(dir: string): Promise<void> };

const cases: Case[] = [
  {
    name: "20 files, each including the next twice", target: 1_000,
    async write(dir) {
      await writeFile(path.join(dir, "binpkgbot.yml"), `${HEAD}  - include: f1.yml\n`);
      for (let level = 1; level < 20; level++) await writeFile(path.join(dir, `f${level}.yml`), `- include: f${level + 1}.yml\n- include: f${level + 1}.yml\n`);
      await writeFile(path.join(dir, "f20.yml"), "- install: app-misc/leaf\n");
    },
  },
  {
    name: "glob *a*a*a*a*a*a*b, 200-character name", target: 1_000,
    async write(dir) {
      await writeFile(path.join(dir, "binpkgbot.yml"), `${HEAD}  - include: d/*a*a*a*a*a*a*b\n`);
      await mkdir(path.join(dir, "d"));
      await writeFile(path.join(dir, "d", "a".repeat(200)), "- install: app-misc/a\n");
    },
  },
  {
    name: "an include that is a map of 40,000 keys", target: 10_000,
    async write(dir) {
      await writeFile(path.join(dir, "binpkgbot.yml"), `${HEAD}  - include: keys.yml\n`);
      await writeFile(path.join(dir, "keys.yml"), Array.from({ length: 40_000 }, (_, i) => `k${i}: 1\n`).join(""));
    },
  },
  {
    name: "an include of 1 MiB of YAML errors", target: 10_000,
    async write(dir) {
      await writeFile(path.join(dir, "binpkgbot.yml"), `${HEAD}  - include: noise.yml\n`);
      await writeFile(path.join(dir, "noise.yml"), ":\n".repeat(MAX_CONFIG_FILE_BYTES / 2));
    },
  },
];

export async function benchHostileConfig(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const { name, target, write } of cases) {
    const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-bench-hostile-"));
    try {
      await write(dir);
      let problems = 0;
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        times.push(await timeMs(() => {
          const result = loadConfig(path.join(dir, "binpkgbot.yml"), diskConfigFiles);
          problems = result.ok ? 0 : result.total;
        }));
      }
      const value = round(median(times), 0);
      results.push({ name, value, unit: "ms", detail: `${problems} problem(s); target < ${target} ms${value < target ? "" : " MISSED"}` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}
