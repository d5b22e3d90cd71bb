// A whole binpkgbot set-up on a real btrfs filesystem: the test stage (with the emerge test double),
// the admin's etc_portage, a repository, PKGDIR, DISTDIR, a state directory, and the CLI to run on it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "../../support/fixtures.js";
import { copyTestRepository, createTestStage } from "../harness/test-stage.js";

export interface World {
  root: string;
  stage: string;
  etcPortage: string;
  repo: string;
  pkgdir: string;
  distdir: string;
  stateDir: string;
  /** Host directory bound where the double records each emerge invocation. */
  record: string;
  config: string;
}

let counter = 0;

export async function createWorld(btrfsDir: string): Promise<World> {
  counter += 1;
  const root = await mkdtemp(path.join(btrfsDir, `world${counter}-`));
  const world: World = {
    root,
    stage: await createTestStage(root, "stage"),
    etcPortage: path.join(root, "etc-portage"),
    repo: path.join(root, "gentoo"),
    pkgdir: path.join(root, "packages"),
    distdir: path.join(root, "distfiles"),
    stateDir: path.join(root, "state"),
    record: path.join(root, "record"),
    config: path.join(root, "binpkgbot.yml"),
  };
  for (const dir of [world.etcPortage, world.repo, world.pkgdir, world.distdir, world.record]) await mkdir(dir, { recursive: true });
  await writeFile(path.join(world.etcPortage, "make.conf"), 'FEATURES="binpkg-multi-instance"\n');
  await writeFile(path.join(world.etcPortage, "package.use"), "app-misc/admin admin-flag\n");
  await copyTestRepository(world.repo);
  await writeFile(path.join(world.repo, "metadata-timestamp"), "1\n");
  return world;
}

/** The config's head for the world; tasks and extra keys are appended as YAML text. */
export function configText(world: World, rest: string): string {
  return [
    `stage: ${world.stage}`,
    `etc_portage: ${world.etcPortage}`,
    `portage_repo: ${world.repo}`,
    `pkgdir: ${world.pkgdir}`,
    `distdir: ${world.distdir}`,
    `state_dir: ${world.stateDir}`,
    "binds:",
    `  - {from: ${world.record}, to: /var/log/emerge-double, writable: true}`,
    rest,
  ].join("\n");
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/**
 * The double's records, in invocation order: argv lines, env lines, the /etc/portage files it saw, and
 * whether its write to the repository succeeded ("writable" or "read-only").
 */
export async function readRecords(world: World): Promise<{ argv: string[]; env: string[]; portage: string; repo: string }[]> {
  const entries = (await readdir(world.record)).map(Number).filter((n) => n > 0).sort((a, b) => a - b);
  return Promise.all(entries.map(async (n) => {
    const dir = path.join(world.record, String(n));
    const read = (name: string): Promise<string> => readFile(path.join(dir, name), "utf8");
    return {
      argv: (await read("argv")).trimEnd().split("\n"), env: (await read("env")).split("\n"), portage: await read("portage"),
      repo: (await read("repo")).trim(),
    };
  }));
}
