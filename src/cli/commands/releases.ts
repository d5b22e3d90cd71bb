import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../config/config.js";
import { applyRetention, recoverReleases } from "../../releases/publish.js";
import { configReleasesLayout, releaseSettings } from "../../releases/publish-config.js";
import { linkCurrent, readCurrentNumber, readReleases, readRefs, writeRefs } from "../../releases/read-releases.js";
import { diffReleases, renderReleaseDiff } from "../../releases/release-diff.js";
import { checkTagName, type ReleasesLayout } from "../../releases/release-layout.js";
import { resolveReleaseRef, type Refs, type Release } from "../../releases/release.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { withStageLock } from "../lock-stage.js";
import { parseCommandArgs } from "../parse-args.js";
import { formatTable, formatTime } from "./status.js";

/** The version of every `releases … --json` and `publish --json` document. */
export const RELEASES_JSON_VERSION = 1;

export const releasesHelp = `usage: binpkgbot releases [COMMAND] [-c FILE] [--json]

The pkgdir's releases (binpkgbot publish, or publish: in the config). A release is N, a tag or current.
  list (the default)    the releases, newest last: * marks the current one
  diff A [B]            binpkgs added, removed and changed (version, USE, BUILD_ID) from A to B
                        (default: current), and the repository change
  tag NAME [N]          tag release N (default: current); serve offers it at /tags/NAME/;
                        --delete removes the tag
  rollback [N]          make release N current (default: the one before the current)
  keep N                pin release N: releases_keep never removes it; --delete unpins it
Each takes --json (a document with "version": ${RELEASES_JSON_VERSION}).`;

interface State {
  config: Config;
  layout: ReleasesLayout;
  releases: Release[];
  current: number | null;
  refs: Refs;
}

export async function releasesCommand(context: CommandContext): Promise<number> {
  const [first, ...rest] = context.args;
  const sub = first === undefined || first.startsWith("-") ? "list" : first;
  const args = first === undefined || first.startsWith("-") ? context.args : rest;
  const { values, positionals } = parseCommandArgs(`releases ${sub}`, {
    args, allowPositionals: true, strict: true,
    options: { json: { type: "boolean", default: false }, delete: { type: "boolean", default: false } },
  });
  const print = (json: unknown, lines: string[]): number => {
    context.stdout(values.json ? JSON.stringify({ version: RELEASES_JSON_VERSION, ...(json as object) }, null, 2) : lines.join("\n"));
    return ExitCode.ok;
  };
  const { config } = loadConfigOrFail(context.configFile);
  switch (sub) {
    case "list":
      return list(await readState(config), print);
    case "diff":
      return diff(await readState(config), positionals, print);
    case "tag":
    case "rollback":
    case "keep":
      return withStageLock(context, config.stage, async () => {
        await recoverReleases(configReleasesLayout(config), context);
        return change(sub, await readState(config), positionals, values.delete, print, context);
      });
    default:
      throw new CliError(`unknown releases command '${sub}': use list, diff, tag, rollback or keep (binpkgbot releases --help)`, ExitCode.usage);
  }
}

async function readState(config: Config): Promise<State> {
  const layout = configReleasesLayout(config);
  return { config, layout, releases: await readReleases(layout), current: await readCurrentNumber(layout), refs: await readRefs(layout) };
}

type Print = (json: unknown, lines: string[]) => number;

function list(state: State, print: Print): number {
  const tagsOf = (number: number): string[] => Object.entries(state.refs.tags).filter(([, n]) => n === number).map(([name]) => name).sort();
  const releases = state.releases.map((release) => ({
    path: release.path, ...release.meta, current: release.number === state.current, tags: tagsOf(release.number), pinned: state.refs.pins.includes(release.number),
  }));
  const rows = releases.map((release) => [
    `${release.current ? "*" : " "} ${release.number}`, formatTime(new Date(release.created)), `${release.binpkgs} binpkgs`, release.snapshot,
    release.repository ?? "repository unknown", [...release.tags.map((tag) => `@${tag}`), ...(release.pinned ? ["pinned"] : [])].join(" "),
  ]);
  const lines = rows.length === 0 ? [`no releases in ${state.layout.dir} yet: binpkgbot publish makes one`] : formatTable(rows).map((line) => line.trimEnd());
  return print({ dir: state.layout.dir, current: state.current, keep: releaseSettings(state.config).keep, releases }, lines);
}

function pick(state: State, ref: string | undefined, fallback: number | null, what: string): Release {
  const number = ref === undefined ? fallback : resolveReleaseRef(ref, state.releases.map((release) => release.number), state.current, state.refs);
  const release = state.releases.find((candidate) => candidate.number === number);
  if (release) return release;
  const known = state.releases.map((candidate) => candidate.number).join(", ") || "none yet";
  throw new CliError(`${what}: no release ${ref ?? "before the current one"} in ${state.layout.dir} (releases: ${known}; tags: ${Object.keys(state.refs.tags).join(", ") || "none"})`, ExitCode.usage);
}

async function diff(state: State, positionals: string[], print: Print): Promise<number> {
  if (positionals.length < 1 || positionals.length > 2) throw new CliError("releases diff needs one or two releases: binpkgbot releases diff 3 [current]", ExitCode.usage);
  const from = pick(state, positionals[0], null, "releases diff");
  const to = pick(state, positionals[1] ?? "current", null, "releases diff");
  const text = (release: Release): Promise<string> => readFile(path.join(release.path, "Packages"), "utf8").catch(() => "");
  const result = diffReleases({ meta: from.meta, packages: await text(from) }, { meta: to.meta, packages: await text(to) });
  return print({ diff: result }, renderReleaseDiff(result));
}

async function change(sub: "tag" | "rollback" | "keep", state: State, positionals: string[], remove: boolean, print: Print, context: CommandContext): Promise<number> {
  switch (sub) {
    case "tag": {
      const name = positionals[0];
      if (name === undefined || positionals.length > 2) throw new CliError("releases tag needs a name: binpkgbot releases tag prod [N]", ExitCode.usage);
      const problem = checkTagName(name);
      if (problem !== null) throw new CliError(problem, ExitCode.usage);
      const tags = { ...state.refs.tags };
      if (remove) delete tags[name];
      else tags[name] = pick(state, positionals[1], state.current, "releases tag").number;
      await writeRefs(state.layout, { ...state.refs, tags });
      return print({ tag: name, release: tags[name] ?? null }, [remove ? `removed tag ${name}` : `tagged release ${tags[name]} as ${name}: served at /tags/${name}/`]);
    }
    case "keep": {
      if (positionals.length !== 1) throw new CliError("releases keep needs one release: binpkgbot releases keep 3", ExitCode.usage);
      const number = pick(state, positionals[0], null, "releases keep").number;
      const pins = remove ? state.refs.pins.filter((pin) => pin !== number) : [...new Set([...state.refs.pins, number])].sort((a, b) => a - b);
      await writeRefs(state.layout, { ...state.refs, pins });
      const removed = remove ? await applyRetention(state.layout, releaseSettings(state.config).keep, context) : [];
      return print({ release: number, pinned: !remove, removed }, [remove ? `release ${number} is no longer pinned${removed.length ? `; removed ${removed.join(", ")} (releases_keep)` : ""}` : `pinned release ${number}: releases_keep never removes it`]);
    }
    case "rollback": {
      if (positionals.length > 1) throw new CliError("releases rollback takes at most one release: binpkgbot releases rollback [N]", ExitCode.usage);
      const before = state.releases.filter((release) => state.current === null || release.number < state.current).at(-1)?.number ?? null;
      const target = pick(state, positionals[0], before, "releases rollback");
      await linkCurrent(state.layout, target.number);
      return print({ from: state.current, to: target.number }, [
        `release ${target.number} is current (was ${state.current ?? "none"}); undo with: binpkgbot releases rollback ${state.current ?? ""}`.trimEnd(),
        "the next published run makes its own release current again",
      ]);
    }
  }
}
