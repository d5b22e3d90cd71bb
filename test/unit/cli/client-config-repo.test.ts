// client-config --with-repo prints the repos.conf entry that syncs the ebuild repository from the
// release the binrepos entry follows (the current one, --release N or --tag NAME).
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { clientConfigCommand } from "../../../src/cli/commands/client-config.js";
import type { CommandContext } from "../../../src/cli/command-context.js";
import { CliError } from "../../../src/cli/exit-codes.js";

async function clientConfig(args: string[], configFile = "binpkgbot.yml"): Promise<string> {
  const out: string[] = [];
  const context: CommandContext = {
    configFile, args, stdout: (line) => out.push(line), stderr: () => undefined,
    exec: { run: () => assert.fail("client-config starts nothing") }, env: {}, now: () => new Date(0),
  };
  await clientConfigCommand(context);
  return out.join("\n");
}

const syncUris = (text: string): string[] => [...text.matchAll(/^sync-uri = (.*)$/gm)].map((match) => match[1]!);

test("--with-repo syncs the repository from the same release as the binpkgs: current, --release N, --tag NAME", async () => {
  assert.deepEqual(syncUris(await clientConfig(["--url", "http://buildhost:8736/", "--with-repo"])), ["http://buildhost:8736/", "http://buildhost:8736/repository.zip"]);
  assert.deepEqual(syncUris(await clientConfig(["--url", "http://buildhost:8736", "--release", "7", "--with-repo"])), ["http://buildhost:8736/releases/7", "http://buildhost:8736/releases/7/repository.zip"]);
  assert.deepEqual(syncUris(await clientConfig(["--url", "http://buildhost:8736/", "--tag", "prod", "--with-repo"])), ["http://buildhost:8736/tags/prod", "http://buildhost:8736/tags/prod/repository.zip"]);
  const text = await clientConfig(["--url", "http://buildhost:8736", "--tag", "prod", "--with-repo"]);
  assert.match(text, /^\[gentoo\]\nlocation = \/var\/db\/repos\/gentoo\n(#.*\n)*sync-type = zipfile\nsync-uri = /m);
  assert.match(text, /^# 3\. Save as \/etc\/portage\/repos\.conf\/gentoo\.conf/m);
  assert.match(text, /^emaint sync --repo gentoo$/m);
});

test("without --with-repo there is no repos.conf entry; --release alone moves only the binrepos entry", async () => {
  const text = await clientConfig(["--url", "http://buildhost:8736", "--release", "7"]);
  assert.deepEqual(syncUris(text), ["http://buildhost:8736/releases/7"]);
  assert.doesNotMatch(text, /sync-type|\/etc\/portage\/repos\.conf/);
});

test("the repository's name comes from --repo-name, else the config's portage_repo profiles/repo_name", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-client-repo-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "repo", "profiles"), { recursive: true });
  await writeFile(path.join(dir, "repo", "profiles", "repo_name"), "mylab\n");
  await writeFile(path.join(dir, "binpkgbot.yml"), `stage: ${dir}/stage\netc_portage: ${dir}/etc\nportage_repo: ${dir}/repo\npkgdir: ${dir}/binpkgs\nstate_dir: ${dir}/state\ntasks: []\n`);
  const fromConfig = await clientConfig(["--url", "http://b:1", "--with-repo"], path.join(dir, "binpkgbot.yml"));
  assert.match(fromConfig, /^\[mylab\]\nlocation = \/var\/db\/repos\/mylab$/m);
  assert.match(await clientConfig(["--url", "http://b:1", "--with-repo", "--repo-name", "other"], path.join(dir, "binpkgbot.yml")), /^\[other\]$/m);
  await rm(path.join(dir, "repo", "profiles", "repo_name"));
  await assert.rejects(clientConfig(["--url", "http://b:1", "--with-repo"], path.join(dir, "binpkgbot.yml")), (error: unknown) =>
    error instanceof CliError && /--with-repo: cannot read the repository's name from .*profiles\/repo_name: .*; give it with --repo-name NAME/.test(error.message));
});

test("wrong uses are usage errors that say what to give", async () => {
  const refused = async (args: string[], message: RegExp): Promise<void> => {
    await assert.rejects(clientConfig(["--url", "http://b:1", ...args]), (error: unknown) => error instanceof CliError && error.exitCode === 2 && message.test(error.message), args.join(" "));
  };
  await refused(["--tag", "prod", "--release", "3"], /--tag and --release each pick a release: give one of them/);
  for (const release of ["0", "x", "3.json", "07"]) await refused(["--release", release], /--release .*: give a release number, e\.g\. --release 5/);
  await refused(["--repo-name", "gentoo"], /--repo-name goes with --with-repo/);
  await refused(["--with-repo", "--repo-name", "../x"], /--repo-name: "\.\.\/x" must be a repository name/);
});
