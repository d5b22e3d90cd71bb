// The check after an install task: the variant it asked for must be in PKGDIR's Packages index.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkVariant } from "../../../src/failure/variant-check.js";
import { parsePackagesIndex, type BinpkgEntry } from "../../../src/portage/packages-index.js";
import { planVariantRequest } from "../../../src/portage/variant-request.js";

/** Index entries as Portage writes them (USE holds the enabled flags, implicit ones included). */
function entries(...blocks: { cpv: string; use: string; buildId?: number; iuse?: string; slot?: string; buildTime?: number }[]): BinpkgEntry[] {
  const text = ["VERSION: 0", "", ...blocks.map((block) => [
    `BUILD_ID: ${block.buildId ?? 1}`, `BUILD_TIME: ${block.buildTime ?? 1000}`, `CPV: ${block.cpv}`, ...(block.iuse ? [`IUSE: ${block.iuse}`] : []),
    ...(block.slot ? [`SLOT: ${block.slot}`] : []), `USE: ${block.use}`, "",
  ].join("\n"))].join("\n");
  return parsePackagesIndex(text).packages;
}

const request = (atom: string, ...tokens: string[]) => {
  const planned = planVariantRequest(atom, tokens.length > 0 ? [{ atom, tokens }] : []);
  assert.ok(planned);
  return planned;
};

test("an entry with the enabled flag in its USE is the variant", () => {
  assert.equal(checkVariant(request("media-video/ffmpeg", "x265"), entries({ cpv: "media-video/ffmpeg-6.1", use: "amd64 x265 elibc_glibc" })), null);
});

test("an enabled flag missing from every entry's USE is variant-missing, naming the atom, the flags and the closest entry", () => {
  const failure = checkVariant(request("media-video/ffmpeg", "x265"), entries({ cpv: "media-video/ffmpeg-6.1", use: "amd64 x264", buildId: 4 }));
  assert.ok(failure);
  assert.equal(failure.class, "variant-missing");
  assert.equal(failure.summary, "no binpkg of media-video/ffmpeg in PKGDIR has USE x265");
  assert.deepEqual(failure.details, [
    "asked for: media-video/ffmpeg with USE x265",
    'closest entries (1 of 1): media-video/ffmpeg-6.1 (BUILD_ID 4): USE "amd64 x264", differs in x265',
  ]);
  assert.deepEqual(failure.packages, ["media-video/ffmpeg"]);
  assert.ok(failure.fix.length > 0);
});

test("a disabled flag: absent from USE passes, present fails", () => {
  assert.equal(checkVariant(request("media-video/ffmpeg", "-x265"), entries({ cpv: "media-video/ffmpeg-6.1", use: "amd64" })), null);
  const failure = checkVariant(request("media-video/ffmpeg", "-x265"), entries({ cpv: "media-video/ffmpeg-6.1", use: "amd64 x265" }));
  assert.match(failure?.details[1] ?? "", /differs in -x265$/);
});

test("an entry that existed before the task (reused with --usepkg) counts", () => {
  const index = entries({ cpv: "app-misc/flags-1.0", use: "doc ssl", buildId: 1, buildTime: 10 });
  assert.equal(checkVariant(request("app-misc/flags", "doc"), index), null);
});

test("among several instances of one CPV, one matching instance is enough; the failure lists the closest first", () => {
  const index = entries(
    { cpv: "app-misc/flags-1.0", use: "ssl", buildId: 1 },
    { cpv: "app-misc/flags-1.0", use: "doc gtk ssl", buildId: 2 },
  );
  assert.equal(checkVariant(request("app-misc/flags", "doc", "gtk"), index), null);
  const failure = checkVariant(request("app-misc/flags", "doc", "gtk", "-ssl"), index);
  assert.match(failure?.details[1] ?? "", /^closest entries \(2 of 2\): app-misc\/flags-1\.0 \(BUILD_ID 2\): USE "doc gtk ssl", differs in -ssl; app-misc\/flags-1\.0 \(BUILD_ID 1\): USE "ssl", differs in doc gtk -ssl$/);
});

test("a USE_EXPAND flag is looked for in its lower-case prefixed form", () => {
  const asked = request("dev-lang/python-exec", "PYTHON_TARGETS:", "python3_12", "-python3_11");
  assert.deepEqual(asked, { atom: "dev-lang/python-exec", enabled: ["python_targets_python3_12"], disabled: ["python_targets_python3_11"] });
  assert.equal(checkVariant(asked, entries({ cpv: "dev-lang/python-exec-2.4.10", use: "amd64 python_targets_python3_12" })), null);
  assert.ok(checkVariant(asked, entries({ cpv: "dev-lang/python-exec-2.4.10", use: "amd64 python_targets_python3_11 python_targets_python3_12" })));
});

test("a flag the package has no IUSE for: the fix says Portage ignores it", () => {
  const failure = checkVariant(request("app-misc/flags", "x256"), entries({ cpv: "app-misc/flags-1.0", use: "ssl", iuse: "+ssl doc gtk" }));
  assert.match(failure?.fix[0] ?? "", /^app-misc\/flags-1\.0 has no USE flag x256 \(its IUSE: ssl doc gtk\); Portage ignores such a flag/);
});

test("no entry of the atom at all is variant-missing too, also without any flags asked for", () => {
  const failure = checkVariant(request("app-misc/plain"), entries({ cpv: "app-misc/other-1.0", use: "" }));
  assert.equal(failure?.summary, "no binpkg of app-misc/plain is in PKGDIR after the task succeeded");
  assert.equal(checkVariant(request("app-misc/plain"), entries({ cpv: "app-misc/plain-1.0", use: "" })), null);
});

test("only entries the atom matches count: version operators and slots", () => {
  const index = entries({ cpv: "dev-libs/slotted-1.0", use: "doc", slot: "1" }, { cpv: "dev-libs/slotted-2.0", use: "", slot: "2" });
  assert.equal(checkVariant(request(">=dev-libs/slotted-2", "doc"), index)?.class, "variant-missing");
  assert.equal(checkVariant(request("dev-libs/slotted:1", "doc"), index), null);
  assert.equal(checkVariant(request("dev-libs/slotted:2", "doc"), index)?.class, "variant-missing");
  assert.equal(checkVariant(request("<dev-libs/slotted-2", "doc"), index), null);
});

test("later tokens win, lines on other atoms do not count, and -* leaves earlier flags unchecked", () => {
  assert.deepEqual(planVariantRequest("app-misc/flags", [{ atom: "app-misc/flags", tokens: ["doc"] }, { atom: "app-misc/flags", tokens: ["-doc"] }, { atom: "media-libs/x265", tokens: ["numa"] }]),
    { atom: "app-misc/flags", enabled: [], disabled: ["doc"] });
  assert.deepEqual(planVariantRequest("x11-base/xorg-server", [{ atom: "x11-base/xorg-server", tokens: ["VIDEO_CARDS:", "radeon", "-*", "amdgpu"] }]),
    { atom: "x11-base/xorg-server", enabled: ["video_cards_amdgpu"], disabled: [] });
});

test("sets and wildcards ask for no single variant", () => {
  assert.equal(planVariantRequest("@world", []), null);
  assert.equal(planVariantRequest("sys-apps/*", [{ atom: "sys-apps/*", tokens: ["doc"] }]), null);
});
