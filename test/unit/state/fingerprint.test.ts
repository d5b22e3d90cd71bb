import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BuildTask, Config, RunTask, Task } from "../../../src/config/config.js";
import { planRun } from "../../../src/plan/plan-run.js";
import type { Step } from "../../../src/plan/plan.js";
import { canonicalStep, fingerprintTask, stableJson, type FingerprintInputs } from "../../../src/state/fingerprint.js";

const origin = { file: "/etc/binpkgbot/binpkgbot.yml", path: [], line: 12, includedFrom: [] };
const noModifiers = { use: [], acceptKeywords: [], unmask: [], mask: [] };
const ffmpeg: BuildTask = {
  kind: "install", id: "ffmpeg-x265", atom: "media-video/ffmpeg", persist: false, origin,
  modifiers: { ...noModifiers, use: [{ atom: "media-video/ffmpeg", tokens: ["x265"] }] },
};

function config(overrides: Partial<Config> = {}): Config {
  return {
    file: "/etc/binpkgbot/binpkgbot.yml", files: ["/etc/binpkgbot/binpkgbot.yml"],
    stage: "/srv/stage", stageGenerations: 3, keepFailed: 3, etcPortage: "/srv/etc-portage", portageRepo: "/srv/gentoo", portageRepoLocation: "/var/db/repos/gentoo",
    pkgdir: "/srv/packages", pkgdirLocation: "/var/cache/binpkgs", distdir: "/srv/distfiles", distdirLocation: "/var/cache/distfiles",
    stateDir: "/var/lib/binpkgbot", useSudo: false, emergeOptions: ["--jobs=2"], configProtectMask: "/etc",
    sync: { kind: "none" }, stageBinrepos: false, signing: null, binds: [], tasks: [ffmpeg],
    ...overrides,
  };
}

function stepOf(task: Task, overrides: Partial<Config> = {}, runId = "20261126T031500Z", index = 0): Step {
  const tasks = [...Array.from({ length: index }, (_, i): Task => ({ ...ffmpeg, id: `other-${i}` })), task];
  const step = planRun({ config: config({ ...overrides, tasks }), host: { systemdPid1: true, stageFilesystem: "btrfs" }, runId }).steps[index];
  assert.ok(step);
  return step;
}

function inputs(overrides: Partial<FingerprintInputs> = {}): FingerprintInputs {
  return {
    repoRevision: "git:0123456789abcdef", etcPortageHash: "e7c", stageGeneration: "stage-1",
    step: stepOf(ffmpeg), binpkgbotVersion: "0.1.0", ...overrides,
  };
}

const base = fingerprintTask(inputs());

describe("fingerprintTask", () => {
  it("is a sha256 hex digest, the same for the same inputs", () => {
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(fingerprintTask(inputs()), base);
  });

  const changes: [string, Partial<FingerprintInputs>][] = [
    ["the repository revision", { repoRevision: "git:fedcba9876543210" }],
    ["the etc_portage content hash", { etcPortageHash: "e7d" }],
    ["the stage generation", { stageGeneration: "stage-2" }],
    ["binpkgbot's version", { binpkgbotVersion: "0.2.0" }],
    ["a USE modifier", { step: stepOf({ ...ffmpeg, modifiers: { ...noModifiers, use: [{ atom: "media-video/ffmpeg", tokens: ["-x265"] }] } }) }],
    ["an added unmask", { step: stepOf({ ...ffmpeg, modifiers: { ...ffmpeg.modifiers, unmask: ["=media-libs/x265-4*"] } }) }],
    ["the atom", { step: stepOf({ ...ffmpeg, atom: "media-video/mpv" }) }],
    ["install becoming upgrade", { step: stepOf({ ...ffmpeg, kind: "upgrade" }) }],
    ["persist", { step: stepOf({ ...ffmpeg, persist: true }) }],
    ["emerge_options", { step: stepOf(ffmpeg, { emergeOptions: ["--jobs=4"] }) }],
    ["an extra bind", { step: stepOf(ffmpeg, { binds: [{ from: "/srv/ccache", to: "/var/cache/ccache", writable: true }] }) }],
    ["the stage directory", { step: stepOf(ffmpeg, { stage: "/srv/other-stage" }) }],
    ["config_protect_mask (the container environment)", { step: stepOf(ffmpeg, { configProtectMask: "/etc/portage" }) }],
  ];
  for (const [what, change] of changes) {
    it(`changes with ${what}`, () => {
      assert.notEqual(fingerprintTask(inputs(change)), base);
    });
  }

  it("changes with the signing key alone (only BINPKG_GPG_SIGNING_KEY in the container environment differs)", () => {
    const signedWith = (key: string): string => fingerprintTask(inputs({ step: stepOf(ffmpeg, { signing: { key, gnupgHome: "/srv/gnupg" } }) }));
    assert.notEqual(signedWith("0123456789ABCDEF0123456789ABCDEF01234567"), signedWith("89ABCDEF0123456789ABCDEF0123456789ABCDEF"));
  });

  it("does not change with the run id, the state directory or the step's position", () => {
    const elsewhere = stepOf(ffmpeg, { stateDir: "/srv/state" }, "20261127T000000Z", 2);
    assert.notEqual(elsewhere.workDir, inputs().step.workDir);
    assert.notEqual(elsewhere.logFile, inputs().step.logFile);
    assert.notDeepEqual(elsewhere.kind === "container" && elsewhere.argv, inputs().step.kind === "container" && inputs().step.argv);
    assert.equal(fingerprintTask(inputs({ step: elsewhere })), base);
  });

  it("does not change when the task moves to another line of the config", () => {
    const moved = stepOf({ ...ffmpeg, origin: { ...origin, line: 40 } });
    assert.equal(fingerprintTask(inputs({ step: moved })), base);
  });

  it("changes with a run task's script, but not with where its work directory is", () => {
    const script: RunTask = { kind: "run", id: "cleanup", script: "#!/bin/sh\neclean-pkg\n", host: false, persist: false, origin };
    const one = fingerprintTask(inputs({ step: stepOf(script) }));
    assert.equal(fingerprintTask(inputs({ step: stepOf(script, { stateDir: "/elsewhere" }, "other-run") })), one);
    assert.notEqual(fingerprintTask(inputs({ step: stepOf({ ...script, script: "#!/bin/sh\neclean-pkg -d\n" }) })), one);
    const host = { ...script, host: true };
    const onHost = fingerprintTask(inputs({ step: stepOf(host) }));
    assert.notEqual(onHost, one);
    assert.equal(fingerprintTask(inputs({ step: stepOf(host, { stateDir: "/elsewhere" }, "other-run") })), onHost);
  });
});

describe("canonicalStep", () => {
  it("replaces run paths by placeholders and keeps the rest of the container", () => {
    const canonical = JSON.parse(stableJson(canonicalStep(stepOf(ffmpeg)))) as {
      binds: { from: string; to: string }[]; command: string[]; etcPortage: { portageFiles: { file: string; text: string }[] };
    };
    assert.deepEqual(canonical.binds.map((bind) => `${bind.from}:${bind.to}`), [
      "/srv/gentoo:/var/db/repos/gentoo",
      "/srv/packages:/var/cache/binpkgs",
      "/srv/distfiles:/var/cache/distfiles",
      "<work>/etc-portage:/etc/portage",
      "<portage-log>:/var/log/portage",
    ]);
    assert.deepEqual(canonical.command, ["emerge", "--usepkg", "--jobs=2", "media-video/ffmpeg"]);
    assert.deepEqual(canonical.etcPortage.portageFiles, [{ file: "package.use/zz-binpkgbot", text: "media-video/ffmpeg x265\n" }]);
    assert.doesNotMatch(stableJson(canonicalStep(stepOf(ffmpeg))), /20261126T031500Z|binpkgbot-[0-9a-f]{6}-0|\/var\/lib\/binpkgbot/);
  });
});

describe("canonicalStep of a host step and odd paths", () => {
  const script: RunTask = { kind: "run", id: "notify", script: "#!/bin/sh\necho done\n", host: true, persist: false, origin };

  it("keeps a host step's argv, environment and files with run paths as placeholders, and only the task's id and kind", () => {
    const step = stepOf(script);
    assert.equal(step.kind, "host");
    const canonical = JSON.parse(stableJson(canonicalStep(step))) as Record<string, unknown>;
    assert.deepEqual(canonical.task, { id: "notify", kind: "run" });
    assert.equal(canonical.kind, "host");
    assert.deepEqual(canonical.argv, step.kind === "host" ? step.argv.map((arg) => arg.startsWith(`${step.workDir}/`) ? `<work>${arg.slice(step.workDir.length)}` : arg) : []);
    assert.ok((canonical.argv as string[]).some((arg) => arg.startsWith("<work>/")), "the script path under the work directory is a placeholder");
    assert.deepEqual(Object.keys(canonical.env as object), Object.keys(step.kind === "host" ? step.env : {}).sort());
    assert.deepEqual(canonical.files, step.files.map((file) => ({ path: `<work>${file.path.slice(step.workDir.length)}`, containerPath: file.containerPath ?? null, mode: file.mode, text: file.text })));
  });

  it("maps a host step's environment values through the placeholders", () => {
    const step = stepOf(script);
    assert.ok(step.kind === "host");
    const withEnv: Step = { ...step, env: { SCRIPT: `${step.workDir}/x.sh`, KEEP: "/srv/keep" } };
    assert.deepEqual((canonicalStep(withEnv) as { env: Record<string, string> }).env, { SCRIPT: "<work>/x.sh", KEEP: "/srv/keep" });
  });

  it("replaces the longest run path first, so a log file inside the work directory is <log>", () => {
    const step = stepOf(script);
    assert.ok(step.kind === "host");
    const nested: Step = { ...step, logFile: `${step.workDir}/task.log`, argv: [`${step.workDir}/task.log`, `${step.workDir}/other`, step.workDir] };
    assert.deepEqual((canonicalStep(nested) as { argv: string[] }).argv, ["<log>", "<work>/other", "<work>"]);
  });

  it("records an unset working directory and container path as null, a set one as itself", () => {
    const step = stepOf(ffmpeg);
    assert.ok(step.kind === "container");
    const unset = canonicalStep(step) as { workingDirectory: unknown; files: { containerPath: unknown }[] };
    assert.equal(unset.workingDirectory, null);
    const set = canonicalStep({ ...step, spec: { ...step.spec, workingDirectory: "/root" }, files: [{ path: "/srv/x", containerPath: "/x", text: "", mode: 0o644 }] }) as typeof unset;
    assert.equal(set.workingDirectory, "/root");
    assert.deepEqual(set.files.map((file) => file.containerPath), ["/x"]);
    assert.notEqual(fingerprintTask(inputs({ step: { ...step, spec: { ...step.spec, workingDirectory: "/root" } } })), base);
  });

  it("drops comment lines of package.* files even when indented (portage(5)), and keeps every other line", () => {
    const step = stepOf(ffmpeg);
    assert.ok(step.kind === "container");
    const withComments = (text: string): Step => ({ ...step, etcPortage: { ...step.etcPortage, portageFiles: [{ name: "package.use", file: "package.use/zz-binpkgbot", text }] } });
    const texts = (text: string): string[] => (canonicalStep(withComments(text)) as { etcPortage: { portageFiles: { text: string }[] } }).etcPortage.portageFiles.map((file) => file.text);
    assert.deepEqual(texts("  # from line 3\nmedia-video/ffmpeg x265 \n"), ["media-video/ffmpeg x265 \n"]);
  });

  it("refuses a step of an unknown kind", () => {
    assert.throws(() => canonicalStep({ ...stepOf(script), kind: "elsewhere" } as unknown as Step), /unhandled step/);
  });
});

describe("stableJson", () => {
  it("sorts keys at every level and leaves out undefined", () => {
    assert.equal(stableJson({ b: 1, a: { d: [2, { y: 1, x: null }], c: undefined } }), '{"a":{"d":[2,{"x":null,"y":1}]},"b":1}');
  });

  it("sorts many keys given in any order", () => {
    const keys = ["m", "c", "x", "a", "q", "b", "z", "e", "k", "d", "y", "f"];
    const object = Object.fromEntries(keys.map((key, index) => [key, index]));
    assert.deepEqual(Object.keys(JSON.parse(stableJson(object)) as object), [...keys].sort());
    assert.equal(stableJson(object), stableJson(Object.fromEntries(Object.entries(object).reverse())));
  });

  it("writes null for what JSON cannot hold", () => {
    assert.equal(stableJson(undefined), "null");
    assert.equal(stableJson(() => 1), "null");
  });
});
