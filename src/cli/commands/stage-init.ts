import { access, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { isBtrfs } from "../../container/filesystem.js";
import { replaceSymlink, writeFileAtomic } from "../../io/atomic-file.js";
import { exists, generationName, linkTarget, metaFile, stageLayout } from "../../stage/layout.js";
import { BtrfsError } from "../../container/btrfs.js";
import { FilesystemError } from "../../container/filesystem.js";
import { initStageFromTarball, StageInitError, type StageInitResult } from "../../stage/init-from-tarball.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";

export const stageInitHelp = `usage: binpkgbot stage init --from FILE [-c FILE] [--force-non-btrfs]

Creates the configured 'stage' as a new btrfs subvolume and unpacks a stage3/stage4 tarball
into it (.tar.xz, .tar.zst, .tar.gz, .tar.bz2, recognised by content), keeping numeric owners,
modes, xattrs, file capabilities and ACLs. Refuses a stage path that already exists. If
unpacking fails, the half-made subvolume is removed.
  --from FILE          the tarball (https://www.gentoo.org/downloads/)
  --force-non-btrfs    accept a stage directory that is not on btrfs: every throw-away
                       container is then a full copy of the stage (slow, and as large)`;

export async function stageInitCommand(context: CommandContext, signal?: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs("stage init", {
    args: context.args,
    options: { from: { type: "string" }, "force-non-btrfs": { type: "boolean", default: false } },
    strict: true,
  });
  if (values.from === undefined) {
    throw new CliError("stage init needs the tarball: binpkgbot stage init --from stage3-amd64-systemd-….tar.xz", ExitCode.usage);
  }
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const layout = stageLayout(config.stage);
  if (await exists(layout.generationsDir)) {
    throw new CliError(`${layout.generationsDir} exists already: this stage was made before; remove it, or point 'stage' elsewhere`, ExitCode.host);
  }
  // On btrfs the stage starts as its first generation, so that persisting tasks can swap generations
  // atomically from the start (src/stage/transaction.ts); elsewhere it is a plain directory.
  const generations = !(await exists(config.stage)) && (await isBtrfs(path.dirname(config.stage)).catch(() => false));
  if (generations) await mkdir(layout.generationsDir);
  const target = generations ? path.join(layout.generationsDir, generationName(1)) : config.stage;
  const result = await initStageFromTarball({
    exec: context.exec, target, tarball: values.from, allowNonBtrfs: values["force-non-btrfs"], ...(signal ? { signal } : {}),
  }).catch(async (error: unknown) => {
    if (generations) await rm(layout.generationsDir, { recursive: true, force: true });
    throw toCliError(error);
  });
  if (generations) {
    await writeFileAtomic(metaFile(layout, generationName(1)), JSON.stringify({ created: context.now().toISOString(), task: `stage init --from ${path.basename(values.from)}` }, null, 2));
    await replaceSymlink(config.stage, linkTarget(layout, generationName(1)));
  }
  await reportCreated(context, { ...result, target: config.stage }, values.from, config);
  return ExitCode.ok;
}

function toCliError(error: unknown): unknown {
  if (error instanceof StageInitError) {
    return new CliError(error.message, error.reason === "interrupted" ? ExitCode.interrupted : ExitCode.host, { cause: error });
  }
  if (error instanceof BtrfsError || error instanceof FilesystemError) return new CliError(error.message, ExitCode.host, { cause: error });
  return error;
}

async function reportCreated(
  context: CommandContext, result: StageInitResult, tarball: string, config: { file: string; etcPortage: string },
): Promise<void> {
  if (result.misnamedAs !== null) {
    context.stderr(`warning: ${tarball} is named like a ${result.misnamedAs} tarball but holds ${result.compression}; it was unpacked as ${result.compression}`);
  }
  const what = result.kind === "subvolume" ? "btrfs subvolume" : `plain directory on ${result.filesystem} (not btrfs)`;
  context.stdout(`created the stage ${result.target}: a ${what}, unpacked from ${tarball} (${result.compression})`);
  const etcPortageExists = await access(config.etcPortage).then(() => true, () => false);
  if (!etcPortageExists) {
    context.stdout(`etc_portage ${config.etcPortage} does not exist yet; to start from the stage's own: cp -a ${result.target}/etc/portage ${config.etcPortage}`);
  }
  context.stdout(`next: binpkgbot doctor -c ${config.file}, then binpkgbot run -c ${config.file}`);
}
