// The emerge test double itself, in real systemd-nspawn containers over the test stage: each test
// names the Portage source whose behaviour the double models (test/integration/stage-double).
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, runCli, type World } from "./support/world.js";
import { inContainer } from "./support/in-container.js";
import { parsePretendOutput } from "../../src/portage/pretend-output.js";

const suite = await integrationSuite();
const { skip } = suite;

/** A fresh /etc/portage with these files (relative path → text). */
async function etcPortage(world: World, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(world.root, "etc-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** The Packages index's blocks after the header, each as its lines. */
async function indexBlocks(world: World): Promise<string[][]> {
  const text = await readFile(path.join(world.pkgdir, "Packages"), "utf8");
  return text.split("\n\n").slice(1).filter((block) => block.trim() !== "").map((block) => block.trim().split("\n"));
}

const value = (block: string[], key: string): string | undefined => block.find((line) => line.startsWith(`${key}: `))?.slice(key.length + 2);

test("masking (MaskManager.py _getMaskAtom, getmaskingstatus.py): a masked request exits 1 with depgraph.py's show_masked_packages lines", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const masked = await inContainer(world, "emerge app-misc/masked");
  assert.equal(masked.code, 1);
  assert.equal(masked.stderr, [
    "",
    '!!! All ebuilds that could satisfy "app-misc/masked" have been masked.',
    "!!! One of the following masked packages is required to complete your request:",
    "- app-misc/masked-1.0::gentoo (masked by: package.mask)",
    "/var/db/repos/gentoo/profiles/package.mask:",
    "# Masked so that a request for it fails with Portage's message",
    "# until package.unmask lifts the mask.",
    "",
    "",
    "For more information, see the MASKED PACKAGES section in the emerge",
    "man page or refer to the Gentoo Handbook.",
    "",
    "",
  ].join("\n"));
  const keywords = await inContainer(world, "emerge app-misc/testing");
  assert.equal(keywords.code, 1);
  assert.match(keywords.stderr, /^- app-misc\/testing-1\.0::gentoo \(masked by: ~amd64 keyword\)\n- app-misc\/testing-0\.9::gentoo \(masked by: missing keyword\)\n$/m);
  const both = await inContainer(world, "emerge '>=app-misc/edge-2'");
  assert.match(both.stderr, /^- app-misc\/edge-3\.0::gentoo \(masked by: package\.mask\)\n.*package\.mask:\n# A newer version held back/m);
  assert.match(both.stderr, /^- app-misc\/edge-2\.0::gentoo \(masked by: ~amd64 keyword\)$/m);
  assert.deepEqual(await readdir(world.pkgdir), [], "nothing was built");
});

test("task modifiers lift masks through zz-binpkgbot (MaskManager.py, KeywordsManager.py getPKeywords): unmask lifts package.mask only, accept_keywords keywords only", { skip, timeout: 120_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  await writeFile(world.config, configText(world, [
    "sync: false", "tasks:",
    "  - install: {atom: app-misc/masked, name: masked}",
    "  - install: {atom: app-misc/masked, unmask: true, name: unmasked}",
    "  - install: {atom: app-misc/testing, name: testing}",
    "  - install: {atom: app-misc/testing, accept_keywords: true, name: keyworded}",
    "  - install: {atom: '=app-misc/edge-2.0', unmask: true, name: unmask-only}",
    "  - install: {atom: '=app-misc/edge-3.0', accept_keywords: true, name: keywords-only}",
    "  - install: {atom: '>=app-misc/edge-2', unmask: true, accept_keywords: true, name: both}", "",
  ].join("\n")));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 1);
  for (const task of ["masked", "testing", "unmask-only", "keywords-only"]) assert.match(result.stdout, new RegExp(`^${task}\\s+failed\\s`, "m"));
  assert.match(result.stdout, /^unmasked\s+succeeded\s+\S+\s+app-misc\/masked-1\.0-1 /m);
  assert.match(result.stdout, /^keyworded\s+succeeded\s+\S+\s+app-misc\/testing-1\.0-1 /m);
  // With both lifted, the best version is the package.mask'd 3.0, not the ~amd64 2.0.
  assert.match(result.stdout, /^both\s+succeeded\s+\S+\s+app-misc\/edge-3\.0-1 /m);
});

test("--usepkg reuses a binpkg of the same version and USE; a new USE gets BUILD_ID max+1 (bintree.py _allocate_filename_multi)", { skip, timeout: 180_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const run = async (tasks: string[]) => {
    await writeFile(world.config, configText(world, ["sync: false", "tasks:", ...tasks, ""].join("\n")));
    const result = await runCli(["run", "--force", "-c", world.config]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    return result.stdout;
  };
  await run(["  - install: {atom: app-misc/flags, name: first}", "  - install: {atom: app-misc/flags, use: doc, name: doc}"]);
  const again = await run(["  - install: {atom: app-misc/flags, name: first}", "  - install: {atom: app-misc/flags, use: doc, name: doc}"]);
  assert.match(again, /\[first\] >>> Emerging binary \(1 of 1\) app-misc\/flags-1\.0::gentoo/);
  assert.match(again, /^first\s+succeeded\s+\S+$/m);
  const dir = path.join(world.pkgdir, "app-misc", "flags");
  assert.deepEqual((await readdir(dir)).sort(), ["flags-1.0-1.gpkg.tar", "flags-1.0-2.gpkg.tar"]);
  assert.deepEqual((await indexBlocks(world)).map((block) => [value(block, "BUILD_ID"), value(block, "USE")]), [["1", "ssl"], ["2", "doc ssl"]]);

  // Build 1 pruned by hand (file and index entry): the next variant still gets 3, never the free 1.
  await rm(path.join(dir, "flags-1.0-1.gpkg.tar"));
  const index = await readFile(path.join(world.pkgdir, "Packages"), "utf8");
  await writeFile(path.join(world.pkgdir, "Packages"), index.split("\n\n").filter((block) => !block.includes("PATH: app-misc/flags/flags-1.0-1.gpkg.tar")).join("\n\n"));
  await run(["  - install: {atom: app-misc/flags, use: gtk, name: gtk}"]);
  assert.deepEqual((await readdir(dir)).sort(), ["flags-1.0-2.gpkg.tar", "flags-1.0-3.gpkg.tar"]);
});

test("Packages blocks are sorted by CPV with SLOT 0 and empty values dropped (getbinpkg.py PackageIndex.write, bintree.py _pkgindex_default_pkg_data)", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const result = await inContainer(world, "emerge dev-libs/slotted app-misc/zz app-misc/flags && emerge =dev-libs/slotted-1.0 app-misc/edge");
  assert.equal(result.code, 0, result.stderr);
  const blocks = await indexBlocks(world);
  const cpvs = blocks.map((block) => value(block, "CPV") ?? "");
  assert.deepEqual(cpvs, ["app-misc/edge-1.1", "app-misc/flags-1.0", "app-misc/zz-1.0", "dev-libs/slotted-1.0", "dev-libs/slotted-2.0"]);
  assert.deepEqual(blocks.map((block) => value(block, "SLOT")), [undefined, undefined, undefined, "1", "2"]);
  for (const block of blocks) {
    assert.deepEqual(block.filter((line) => !/^[A-Z0-9_]+: \S/.test(line)), [], "no empty values");
    assert.deepEqual(block.map((line) => line.split(":")[0]).slice(-2), ["MTIME", "REPO"], "MTIME and REPO (_mtime_, repository) sort last");
  }
  assert.equal(value(blocks[1] ?? [], "IUSE"), "+ssl doc gtk");
  assert.doesNotMatch(await readFile(path.join(world.pkgdir, "Packages"), "utf8"), /^SLOT: 0$/m);
});

test("binpkgs are GPKG as gpkg.py writes them: binpkgbot packages reads them, prune finds old builds and gone versions", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const result = await inContainer(world, "emerge app-misc/flags && emerge app-misc/flags && emerge =app-misc/edge-1.0 && tar -tf /var/cache/binpkgs/app-misc/flags/flags-1.0-1.gpkg.tar");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split("\n").slice(-4), ["flags-1.0-1/gpkg-1", "flags-1.0-1/metadata.tar.gz", "flags-1.0-1/image.tar.gz", "flags-1.0-1/Manifest"]);
  await writeFile(world.config, configText(world, "sync: false\ntasks: []\n"));
  const listed = await runCli(["packages", "--json", "-c", world.config]);
  assert.equal(listed.code, 0, listed.stderr);
  const report = JSON.parse(listed.stdout) as { packages: { cpv: string; buildId: number; use: string[]; signature: string }[]; problems: unknown[] };
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.packages.map((binpkg) => [binpkg.cpv, binpkg.buildId, binpkg.use.join(" "), binpkg.signature]), [
    ["app-misc/edge-1.0", 1, "", "unsigned"], ["app-misc/flags-1.0", 1, "ssl", "unsigned"], ["app-misc/flags-1.0", 2, "ssl", "unsigned"],
  ]);
  await rm(path.join(world.repo, "app-misc/edge/edge-1.0.ebuild"));
  const pruned = await runCli(["prune", "--dry-run", "--json", "--keep", "1", "-c", world.config]);
  assert.equal(pruned.code, 0, pruned.stderr);
  const plan = JSON.parse(pruned.stdout) as { removed: { path: string; reason: string }[] };
  assert.deepEqual(plan.removed.map((removal) => [removal.path, removal.reason]).sort(), [
    ["app-misc/edge/edge-1.0-1.gpkg.tar", "version-gone"], ["app-misc/flags/flags-1.0-1.gpkg.tar", "old-instance"],
  ]);
});

test("USE in make.globals' USE_ORDER (env before package.use) and package.use by atom specificity (helper.py ordered_by_atom_specificity)", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  // The specific atom comes first in file order; */* and app-misc/* come later and still lose.
  const etc = await etcPortage(world, {
    "make.conf": 'USE="gtk"\n',
    "package.use/10-specific": "app-misc/flags -gtk -ssl\n",
    "package.use/20-global": "*/* doc ssl gtk\napp-misc/* gtk ssl\n",
  });
  const script = "emerge -p app-misc/flags; USE='-doc ssl' emerge -p app-misc/flags; emerge app-misc/flags";
  const result = await inContainer(world, script, { etc });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n").filter((line) => line.startsWith("[ebuild"));
  assert.deepEqual(lines, ['[ebuild  N     ] app-misc/flags-1.0  USE="doc -gtk -ssl" ', '[ebuild  N     ] app-misc/flags-1.0  USE="ssl -doc -gtk" ']);
  assert.equal(value((await indexBlocks(world))[0] ?? [], "USE"), "doc");
});

test("@world with --update picks the newest visible version; --pretend lines as output.py prints them", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const script = [
    "emerge =app-misc/edge-1.0 app-misc/flags >/dev/null",
    "mkdir -p /var/lib/portage && printf 'app-misc/edge\\ndev-libs/slotted:1\\n' > /var/lib/portage/world",
    "emerge -puDN @world",
    "emerge --usepkg --update --deep --newuse @world | grep '^>>> Emerging'",
    "emerge -puDN @world | grep -c '^\\[' || true",
    "USE=-ssl emerge -p app-misc/flags; emerge -pk app-misc/flags; emerge -p =dev-libs/slotted-2.0",
    "cat /var/lib/emerge-double/installed",
  ].join("\n");
  const result = await inContainer(world, script);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.startsWith("\nThese are the packages that would be merged, in order:\n\nCalculating dependencies ... done!\n"), result.stdout);
  const lines = result.stdout.split("\n").filter((line) => /^(\[|>>>|\d|app-|dev-)/.test(line));
  assert.deepEqual(lines, [
    "[ebuild     U  ] app-misc/edge-1.1 [1.0]",
    "[ebuild  N     ] dev-libs/slotted-1.0 ",
    ">>> Emerging (1 of 2) app-misc/edge-1.1::gentoo",
    ">>> Emerging (2 of 2) dev-libs/slotted-1.0::gentoo",
    "0",
    '[ebuild   R    ] app-misc/flags-1.0  USE="-ssl*" ',
    "[binary   R    ] app-misc/flags-1.0-1 ",
    "[ebuild  NS    ] dev-libs/slotted-2.0 [1.0]",
    "app-misc/edge-1.0", "app-misc/flags-1.0", "app-misc/edge-1.1", "dev-libs/slotted-1.0",
  ]);
});

test("an ebuild whose compile phase fails: exit 1, isolated-functions.sh die lines, no binpkg", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const result = await inContainer(world, "emerge app-misc/broken");
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^>>> Emerging \(1 of 1\) app-misc\/broken-1\.0::gentoo$/m);
  assert.doesNotMatch(result.stdout, /Completed/);
  assert.match(result.stderr, /^ \* ERROR: app-misc\/broken-1\.0::gentoo failed \(compile phase\):\n \* {3}this package fails to build on purpose\n/m);
  assert.deepEqual(await readdir(world.pkgdir), []);
});

test("dependencies (depgraph.py): what nothing satisfies, a USE change, REQUIRED_USE and a blocker, each as Portage prints it", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const run = async (atom: string) => {
    const result = await inContainer(world, `emerge ${atom}`);
    assert.equal(result.code, 1, atom);
    return result;
  };
  assert.equal((await run("app-misc/needs-missing")).stderr, [
    "",
    'emerge: there are no ebuilds to satisfy "dev-libs/missing".',
    '(dependency required by "app-misc/needs-missing-1.0::gentoo" [ebuild])',
    '(dependency required by "app-misc/needs-missing" [argument])',
    "",
  ].join("\n"));
  assert.match((await run("app-misc/needs-gtk")).stderr, new RegExp([
    "\nThe following USE changes are necessary to proceed:",
    ' \\(see "package\\.use" in the portage\\(5\\) man page for more details\\)',
    "# required by app-misc/needs-gtk-1\\.0::gentoo",
    "# required by app-misc/needs-gtk \\(argument\\)",
    ">=app-misc/flags-1\\.0 gtk\n",
  ].join("\n")));
  assert.equal((await run("app-misc/either")).stderr, [
    "",
    '!!! The ebuild selected to satisfy "app-misc/either" has unmet requirements.',
    '- app-misc/either-1.0::gentoo USE="-left -right"',
    "",
    "  The following REQUIRED_USE flag constraints are unsatisfied:",
    "    exactly-one-of ( left right )",
    "",
    "",
  ].join("\n"));
  const blocked = await run("app-misc/rival-suite");
  assert.match(blocked.stdout, /^\[blocks B {6}\] app-misc\/incumbent \("app-misc\/incumbent" is soft blocking app-misc\/rival-1\.0\)$/m);
  assert.match(blocked.stderr, /^ \* Error: The above package list contains packages which cannot be\n \* installed at the same time on the same system\.$/m);
});

test("a satisfied dependency is merged before the package that needs it", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const etc = await etcPortage(world, { "package.use": "app-misc/flags gtk\n" });
  const result = await inContainer(world, "emerge app-misc/needs-gtk", { etc });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.split("\n").filter((line) => line.startsWith(">>> Emerging")), [
    ">>> Emerging (1 of 2) app-misc/flags-1.0::gentoo",
    ">>> Emerging (2 of 2) app-misc/needs-gtk-1.0::gentoo",
  ]);
});

test("fetch.py: a SRC_URI nothing serves is tried, then Couldn't download; a build log under PORTAGE_LOGDIR (prepare_build_dirs.py)", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const fetch = await inContainer(world, "emerge app-misc/unfetchable");
  assert.equal(fetch.code, 1);
  assert.match(fetch.stdout, /^>>> Downloading 'http:\/\/127\.0\.0\.1:9\/unfetchable-1\.0\.tar\.gz'$/m);
  assert.match(fetch.stderr, /^!!! Couldn't download 'unfetchable-1\.0\.tar\.gz'\. Aborting\.\n \* Fetch failed for 'app-misc\/unfetchable-1\.0'$/m);
  const build = await inContainer(world, "mkdir -p /var/log/portage && emerge app-misc/broken; cat /var/log/portage/app-misc:broken-1.0:*.log", { env: { PORTAGE_LOGDIR: "/var/log/portage" } });
  assert.match(build.stderr, /^ \* The complete build log is located at '\/var\/log\/portage\/app-misc:broken-1\.0:\d{8}-\d{6}\.log'\.$/m);
  // The log holds the phase's output and die's lines.
  assert.match(build.stdout, /^broken\.c:1:1: error: expected declaration before end of file\n \* ERROR: app-misc\/broken-1\.0::gentoo failed \(compile phase\):$/m);
});

test("--pretend with --usepkg/--usepkgonly prints depgraph.py's shapes, and binpkgbot's parser reads them: binary, ignored for USE, no binpkg", { skip, timeout: 120_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const script = [
    "emerge app-misc/flags >/dev/null",
    "echo '== same USE'; emerge -pk app-misc/flags 2>&1",
    "echo '== other USE'; USE=doc emerge --pretend --usepkg --emptytree app-misc/flags app-misc/edge 2>&1",
    "echo '== usepkgonly'; USE=doc emerge --pretend --usepkgonly app-misc/flags 2>&1; echo \"exit $?\"",
  ].join("\n");
  const result = await inContainer(world, script);
  assert.equal(result.code, 0, result.stderr);
  const [same = "", other = "", only = ""] = result.stdout.split(/^== .*$/m).slice(1);
  assert.deepEqual(parsePretendOutput(same), {
    binaries: [{ type: "binary", cpv: "app-misc/flags-1.0", cp: "app-misc/flags", version: "1.0", buildId: 1, use: [], attributes: "  R    " }],
    builds: [], ignored: [], unsatisfied: [],
  });
  const passedOver = parsePretendOutput(other);
  assert.deepEqual(passedOver.builds.map((entry) => [entry.cpv, entry.use]), [["app-misc/flags-1.0", ["doc"]], ["app-misc/edge-1.1", []]]);
  assert.deepEqual(passedOver.ignored, [{ cpv: "app-misc/flags-1.0", available: ["-doc"], wanted: ["doc"] }]);
  assert.deepEqual(passedOver.binaries, []);
  assert.deepEqual(parsePretendOutput(only).unsatisfied, [{ atom: "app-misc/flags", kind: "no-binary", candidates: [], requiredBy: [] }]);
  assert.match(only, /\nexit 1\n$/);
});
