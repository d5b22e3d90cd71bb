// Modifiers that can have no effect in the repository are warnings; each case with its hint, and the
// modifiers that do have an effect stay silent.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Modifiers, Task } from "../../../src/config/config.js";
import { checkModifierEffects, namedPackages, type RepoVersion, type RepositoryFacts } from "../../../src/config/modifier-effects.js";
import { parseMaskFile } from "../../../src/portage/profile-files.js";

const origin = { file: "/etc/binpkgbot/binpkgbot.yml", path: ["tasks", 0], line: 3, includedFrom: [] };

function install(atom: string, modifiers: Partial<Modifiers>): Task {
  return { kind: "install", id: "t", atom, persist: false, origin, modifiers: { use: [], acceptKeywords: [], unmask: [], mask: [], ...modifiers } };
}

function version(cpv: string, fields: Partial<RepoVersion> = {}): RepoVersion {
  return { cpv, version: cpv.replace(/^.*?-(?=\d)/, ""), slot: "0", iuse: [], keywords: ["amd64"], complete: true, source: "md5-cache", ...fields };
}

const facts: RepositoryFacts = {
  repo: "/var/db/repos/gentoo",
  repoName: "gentoo",
  packages: new Map([
    ["media-video/ffmpeg", [version("media-video/ffmpeg-6.1", { iuse: ["x264", "x265", "doc", "video_cards_radeon"] }), version("media-video/ffmpeg-7.0", { iuse: ["x264", "x265", "vulkan"], keywords: ["~amd64"] })]],
    ["app-misc/stable", [version("app-misc/stable-1.0", { keywords: ["amd64", "~arm64"] }), version("app-misc/stable-1.1", { keywords: ["amd64"] })]],
    ["app-misc/masked", [version("app-misc/masked-1.0")]],
    ["app-misc/eclassed", [version("app-misc/eclassed-1.0", { iuse: ["doc"], complete: false, source: "ebuild" })]],
    ["app-misc/flgas", []],
  ]),
  masks: parseMaskFile("app-misc/masked\n"),
  arch: { name: "amd64", source: "from the profile" },
};

const check = (task: Task) => checkModifierEffects([task], facts).map(({ path, message, hint, severity }) => ({ path: path.join("."), message, hint, severity }));

test("a USE flag no matching version has in IUSE: a warning with a did-you-mean", () => {
  assert.deepEqual(check(install("media-video/ffmpeg", { use: [{ atom: "media-video/ffmpeg", tokens: ["x256", "doc"] }] })), [{
    path: "tasks.0.install.use.0", severity: "warning",
    message: "USE flag 'x256' is not in the IUSE of media-video/ffmpeg (versions 6.1, 7.0) in /var/db/repos/gentoo, so Portage ignores it",
    hint: "did you mean 'x264' or 'x265'?",
  }]);
});

test("a flag some matching version has is no warning; one only a version the atom leaves out has is", () => {
  assert.deepEqual(check(install("media-video/ffmpeg", { use: [{ atom: "media-video/ffmpeg", tokens: ["vulkan", "-doc", "VIDEO_CARDS:", "radeon"] }] })), []);
  const [only] = check(install("=media-video/ffmpeg-6.1", { use: [{ atom: "=media-video/ffmpeg-6.1", tokens: ["vulkan"] }] }));
  assert.equal(only?.message, "USE flag 'vulkan' is not in the IUSE of =media-video/ffmpeg-6.1 (version 6.1) in /var/db/repos/gentoo, so Portage ignores it");
  assert.equal(only?.hint, "its flags are: doc video_cards_radeon x264 x265");
});

test("a flag of a package whose IUSE may be incomplete (eclasses, no cache entry) is not judged", () => {
  assert.deepEqual(check(install("app-misc/eclassed", { use: [{ atom: "app-misc/eclassed", tokens: ["python_targets_python3_12"] }] })), []);
});

test("an atom that matches no package, or no version of one", () => {
  const [none] = check(install("app-misc/stable", { use: [{ atom: "app-misc/flgas", tokens: ["gtk"] }] }));
  assert.equal(none?.message, "app-misc/flgas matches no package in /var/db/repos/gentoo");
  assert.equal(none?.path, "tasks.0.install.use.0");
  const [noVersion] = check(install("app-misc/stable", { mask: [">=app-misc/stable-2"] }));
  assert.equal(noVersion?.message, ">=app-misc/stable-2 matches no version in /var/db/repos/gentoo (there: versions 1.0, 1.1)");
  assert.equal(noVersion?.path, "tasks.0.install.mask.0");
});

test("accept_keywords on a package stable on ARCH in every matching version; a testing version needs it", () => {
  const [stable] = check(install("app-misc/stable", { acceptKeywords: [{ atom: "app-misc/stable", keywords: ["~*"] }] }));
  assert.equal(stable?.message, "app-misc/stable (versions 1.0, 1.1) is already stable on amd64 (from the profile), so accept_keywords changes nothing");
  assert.deepEqual(check(install("media-video/ffmpeg", { acceptKeywords: [{ atom: "media-video/ffmpeg", keywords: ["~amd64"] }] })), []);
  assert.deepEqual(checkModifierEffects([install("app-misc/stable", { acceptKeywords: [{ atom: "app-misc/stable", keywords: ["~*"] }] })], { ...facts, arch: null }), []);
});

test("unmask of something not masked; of something masked, silent", () => {
  const [notMasked] = check(install("app-misc/stable", { unmask: ["app-misc/stable"] }));
  assert.equal(notMasked?.message, "app-misc/stable (versions 1.0, 1.1) is not masked by /var/db/repos/gentoo/profiles/package.mask nor by etc_portage's package.mask, so unmask changes nothing");
  assert.deepEqual(check(install("app-misc/masked", { unmask: ["app-misc/masked"] })), []);
});

test("packages not read are not judged; wildcards and sets name no package", () => {
  assert.deepEqual(check(install("app-misc/unread", { use: [{ atom: "app-misc/unread", tokens: ["x"] }], unmask: ["app-misc/unread"] })), []);
  const tasks = [install("@world", { use: [{ atom: "*/*", tokens: ["doc"] }, { atom: "app-misc/stable", tokens: ["gtk"] }] }), install("app-misc/b", { mask: ["app-misc/a"] })];
  assert.deepEqual(namedPackages(tasks), ["app-misc/a", "app-misc/stable"]);
});
