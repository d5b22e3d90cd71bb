// Validate and plan a config of 1,000 tasks spread over 100 include files, in process and as a whole
// `binpkgbot plan --json` command. Target: under 300 ms.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadConfig } from "../src/config/load.js";
import { nodeExec } from "../src/exec/exec.js";
import { diskConfigFiles } from "../src/io/config-files.js";
import { planRun } from "../src/plan/plan-run.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";

const FILES = 100;
const TASKS_PER_FILE = 10;
const RUNS = 15;

function taskFile(file: number): string {
  const lines: string[] = [];
  for (let i = 0; i < TASKS_PER_FILE; i++) {
    const atom = `dev-libs/pkg${file}x${i}`;
    if (i % 3 === 0) lines.push(`- install: ${atom}`);
    else if (i % 3 === 1) lines.push(`- install:\n    atom: ${atom}\n    use: [x265, -doc, 'VIDEO_CARDS: radeon', 'media-libs/x265 numa']\n    accept_keywords: true\n    unmask: true\n    mask: ['>=media-libs/x264-2']`);
    else lines.push(`- run: {persist: false, script: [echo ${file}, echo ${i}]}`);
  }
  return `${lines.join("\n")}\n`;
}

async function writeConfig(dir: string): Promise<string> {
  await mkdir(path.join(dir, "tasks.d"));
  for (let file = 0; file < FILES; file++) await writeFile(path.join(dir, "tasks.d", `${String(file).padStart(3, "0")}.yml`), taskFile(file));
  const config = path.join(dir, "binpkgbot.yml");
  await writeFile(config, "stage: /srv/stage\netc_portage: /srv/etc-portage\nportage_repo: /srv/gentoo\npkgdir: /srv/packages\ndistdir: /srv/distfiles\nsync: false\ntasks:\n  - include: tasks.d/*.yml\n");
  return config;
}

export async function benchConfigPlan(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-bench-"));
  try {
    const config = await writeConfig(dir);
    let steps = 0;
    const inProcess: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      inProcess.push(await timeMs(() => {
        const result = loadConfig(config, diskConfigFiles);
        if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join("\n"));
        steps = planRun({ config: result.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "bench" }).steps.length;
      }));
    }
    const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
    const command: number[] = [];
    for (let run = 0; run < 7; run++) {
      command.push(await timeMs(async () => {
        const result = await nodeExec.run([process.execPath, cli, "plan", "--json", "-c", config]);
        if (result.code !== 0) throw new Error(result.stderr);
      }));
    }
    const detail = `${steps} steps from ${FILES} include files, median of ${RUNS}; target < 300 ms`;
    return [
      { name: "validate+plan 1000 tasks (in process)", value: round(median(inProcess), 1), unit: "ms", detail },
      { name: "binpkgbot plan --json (whole command)", value: round(median(command), 1), unit: "ms", detail: "node start-up included, median of 7" },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchConfigPlan()) console.log(`${r.name.padEnd(44)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
