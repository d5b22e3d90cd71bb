import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { classifyFailure, UNKNOWN_TAIL_LINES, type FailureEvidence } from "../../../src/failure/classify.js";
import { isTransient } from "../../../src/failure/failure.js";
import { assertGolden, fixture } from "../../support/fixtures.js";

const LOG_DIR = { inContainer: "/var/log/portage", onHost: "/srv/state/logs/run-1/install-broken.portage" };

function evidence(output: string, extra: Partial<FailureEvidence> = {}): FailureEvidence {
  return { output, exitCode: 1, signal: null, interrupted: false, started: true, portageLogDir: LOG_DIR, ...extra };
}

/** Portage's output in test/fixtures/failure-output/<name>.txt, as emerge printed it. */
function classifyFixture(name: string, extra: Partial<FailureEvidence> = {}) {
  return classifyFailure(evidence(readFileSync(fixture("failure-output", `${name}.txt`), "utf8"), extra));
}

describe("masked (lib/_emerge/depgraph.py show_masked_packages, getmaskingstatus.py)", () => {
  it("a ~amd64 keyword mask suggests accept_keywords for the highest masked version", () => {
    const failure = classifyFixture("masked-keyword");
    assert.equal(failure.class, "masked");
    assert.equal(failure.summary, "app-misc/testing is masked (app-misc/testing-1.0::gentoo: masked by ~amd64 keyword)");
    assert.deepEqual(failure.fix, ["add accept_keywords: ['=app-misc/testing-1.0'] to the task (package.accept_keywords)"]);
    assert.deepEqual(failure.details, [
      "- app-misc/testing-1.0::gentoo (masked by: ~amd64 keyword)",
      "- app-misc/testing-0.9::gentoo (masked by: missing keyword)",
    ]);
    assert.deepEqual(failure.packages, ["app-misc/testing", "app-misc/testing-1.0", "app-misc/testing-0.9"]);
  });

  it("a package.mask entry (a profile's too) suggests unmask, and shows the mask file's comment (getmaskingreason.py)", () => {
    const failure = classifyFixture("masked-package-mask");
    assert.equal(failure.class, "masked");
    assert.deepEqual(failure.fix, ["add unmask: ['=app-misc/masked-1.0'] to the task (package.unmask)"]);
    assert.deepEqual(failure.details, [
      "- app-misc/masked-1.0::gentoo (masked by: package.mask)",
      "/var/db/repos/gentoo/profiles/package.mask:",
      "# Masked so that a request for it fails with Portage's message",
      "# until package.unmask lifts the mask.",
    ]);
  });

  it("a license mask suggests a package.license line in etc_portage", () => {
    const failure = classifyFixture("masked-license");
    assert.equal(failure.class, "masked");
    assert.deepEqual(failure.fix, ["add the line '=app-misc/eula-2.1 VENDOR-EULA OTHER-EULA' to package.license in etc_portage"]);
  });

  it("a missing keyword needs '**'", () => {
    const failure = classifyFailure(evidence([
      '!!! All ebuilds that could satisfy "app-misc/testing" have been masked.',
      "- app-misc/testing-0.9::gentoo (masked by: package.mask, missing keyword)",
    ].join("\n")));
    assert.deepEqual(failure.fix, [
      "add unmask: ['=app-misc/testing-0.9'] to the task (package.unmask)",
      "add accept_keywords: ['=app-misc/testing-0.9 **'] to the task (package.accept_keywords)",
    ]);
  });

  it("autounmask's keyword changes (depgraph.py _display_autounmask) are a mask with Portage's own line", () => {
    const failure = classifyFixture("autounmask-keyword");
    assert.equal(failure.class, "masked");
    assert.deepEqual(failure.fix, ["add accept_keywords: ['=app-misc/testing-1.0 ~amd64'] to the task (package.accept_keywords)"]);
    assert.deepEqual(failure.packages, ["=app-misc/testing-1.0", "app-misc/testing"]);
  });
});

describe("use-change-needed and required-use (lib/_emerge/depgraph.py)", () => {
  it("shows the package.use line Portage proposes and suggests the use: modifier", () => {
    const failure = classifyFixture("use-change-needed");
    assert.equal(failure.class, "use-change-needed");
    assert.equal(failure.summary, "Portage needs USE changes to proceed: >=app-misc/flags-1.0 gtk");
    assert.deepEqual(failure.fix, ["add use: ['>=app-misc/flags-1.0 gtk'] to the task (package.use)"]);
    assert.deepEqual(failure.details, [
      "# required by app-misc/needs-gtk-1.0::gentoo",
      "# required by app-misc/needs-gtk (argument)",
      "package.use: >=app-misc/flags-1.0 gtk",
    ]);
    assert.deepEqual(failure.packages, [">=app-misc/flags-1.0", "app-misc/needs-gtk-1.0::gentoo", "app-misc/needs-gtk"]);
  });

  it("REQUIRED_USE names the unsatisfied constraint and the package", () => {
    const failure = classifyFixture("required-use");
    assert.equal(failure.class, "required-use");
    assert.equal(failure.summary, "app-misc/either-1.0 cannot be built with its USE flags: REQUIRED_USE needs exactly-one-of ( left right )");
    assert.match(failure.fix[0] ?? "", /use: \['=app-misc\/either-1\.0 FLAG'\]/);
    assert.deepEqual(failure.packages, ["app-misc/either", "app-misc/either-1.0"]);
  });
});

describe("blocker, slot-conflict, unsatisfied-dependency", () => {
  it("a blocker (resolver/output.py _blockers, depgraph.py _show_unsatisfied_blockers) names both packages", () => {
    const failure = classifyFixture("blocker");
    assert.equal(failure.class, "blocker");
    assert.equal(failure.summary, "packages that cannot be installed together: app-misc/rival-1.0 blocks app-misc/incumbent");
    assert.deepEqual(failure.packages, ["app-misc/incumbent", "app-misc/rival-1.0", "app-misc/incumbent-1.0"]);
  });

  it("a slot conflict (resolver/slot_collision.py) names the slot and the packages in it", () => {
    const failure = classifyFixture("slot-conflict");
    assert.equal(failure.class, "slot-conflict");
    assert.deepEqual(failure.packages, ["dev-libs/pinned:0", "dev-libs/pinned-2.0", "dev-libs/pinned-1.0"]);
  });

  it("no ebuilds to satisfy (depgraph.py _show_unsatisfied_dep) names the atom and who requires it", () => {
    const failure = classifyFixture("unsatisfied-dependency");
    assert.equal(failure.class, "unsatisfied-dependency");
    assert.equal(failure.summary, "nothing satisfies dev-libs/missing, required by app-misc/needs-missing-1.0::gentoo ← app-misc/needs-missing");
    assert.deepEqual(failure.packages, ["dev-libs/missing", "app-misc/needs-missing-1.0", "app-misc/needs-missing"]);
  });

  it("no ebuilds built with USE flags (depgraph.py) suggests the use: line of Portage's 'Change USE'", () => {
    const failure = classifyFixture("unsatisfied-use");
    assert.equal(failure.class, "unsatisfied-dependency");
    assert.equal(failure.packages[0], "app-misc/flags[doc]");
    assert.deepEqual(failure.fix, ["add use: ['=app-misc/flags-1.0 doc'] to the task (package.use)"]);
  });
});

describe("every fixture of test/fixtures/failure-output", () => {
  // The whole Failure, pinned in <case>.expected.json beside Portage's output (UPDATE_GOLDEN=1 rewrites them).
  for (const name of readdirSync(fixture("failure-output")).filter((file) => file.endsWith(".txt"))) {
    it(`classifies ${name} as its .expected.json says`, () => {
      const failure = classifyFixture(name.replace(/\.txt$/, ""));
      assertGolden(fixture("failure-output", name.replace(/\.txt$/, ".expected.json")), `${JSON.stringify(failure, null, 2)}\n`);
    });
  }
});

describe("fetch (lib/portage/package/ebuild/fetch.py, lib/_emerge/EbuildFetcher.py)", () => {
  it("names the file and every URL tried, and is transient", () => {
    const failure = classifyFixture("fetch");
    assert.equal(failure.class, "fetch");
    assert.equal(failure.summary, "could not download unfetchable-1.0.tar.gz for app-misc/unfetchable-1.0");
    assert.deepEqual(failure.details, [
      "file: unfetchable-1.0.tar.gz",
      "tried: http://distfiles.gentoo.org/distfiles/d4/unfetchable-1.0.tar.gz",
      "tried: https://example.invalid/unfetchable-1.0.tar.gz",
    ]);
    assert.ok(isTransient(failure));
  });
});

describe("build (bin/isolated-functions.sh die)", () => {
  it("names the package and phase, the compiler's last lines and the build log on the host", () => {
    const failure = classifyFixture("build");
    assert.equal(failure.class, "build");
    assert.equal(failure.summary, "app-misc/broken-1.0 failed in src_compile: emake failed");
    assert.equal(failure.phase, "src_compile");
    assert.equal(failure.buildLog, path.join(LOG_DIR.onHost, "app-misc:broken-1.0:20261202-014500.log"));
    assert.ok(failure.details.includes("broken.c:3:1: error: expected ';' before '}' token"), failure.details.join("\n"));
    assert.deepEqual(failure.packages, ["app-misc/broken-1.0"]);
    assert.ok(!isTransient(failure));
  });

  it("without die's log line (--quiet-fail), the log of Scheduler.py's 'Failed to emerge' line", () => {
    const failure = classifyFailure(evidence([
      " * ERROR: app-misc/broken-1.0::gentoo failed (compile phase):",
      " *   emake failed",
      "",
      ">>> Failed to emerge app-misc/broken-1.0, Log file:",
      "",
      ">>>  '/var/log/portage/app-misc:broken-1.0:20261202-014500.log'",
    ].join("\n")));
    assert.equal(failure.buildLog, path.join(LOG_DIR.onHost, "app-misc:broken-1.0:20261202-014500.log"));
  });

  it("a pkg_* phase and a log outside PORTAGE_LOGDIR stay as printed", () => {
    const failure = classifyFailure(evidence([
      " * ERROR: app-misc/x-1::gentoo failed (setup phase):",
      " *   no",
      " * The complete build log is located at '/var/tmp/portage/app-misc/x-1/temp/build.log'.",
    ].join("\n")));
    assert.equal(failure.phase, "pkg_setup");
    assert.equal(failure.buildLog, "/var/tmp/portage/app-misc/x-1/temp/build.log");
  });
});

describe("disk-full, out-of-memory, interrupted, host, unknown", () => {
  it("No space left on device wins over the build failure it causes", () => {
    const failure = classifyFixture("disk-full");
    assert.equal(failure.class, "disk-full");
    assert.match(failure.summary, /big\.o: No space left on device/);
  });

  it("the compiler killed by the OOM killer wins over the build failure it causes", () => {
    assert.equal(classifyFixture("out-of-memory").class, "out-of-memory");
  });

  it("exit status 137 with the shell's 'Killed' is out of memory", () => {
    assert.equal(classifyFailure(evidence("make: building\nKilled\n", { exitCode: 137 })).class, "out-of-memory");
    assert.equal(classifyFailure(evidence("make: building\nKilled\n", { exitCode: 1 })).class, "unknown");
  });

  it("a step the engine stopped, or one killed by SIGTERM, is interrupted", () => {
    assert.equal(classifyFailure(evidence("", { interrupted: true })).class, "interrupted");
    assert.equal(classifyFailure(evidence("still going", { exitCode: null, signal: "SIGTERM" })).class, "interrupted");
  });

  it("systemd-nspawn's own error (src/nspawn/nspawn.c) before the payload ran is a host failure", () => {
    const failure = classifyFixture("host-nspawn");
    assert.equal(failure.class, "host");
    assert.match(failure.summary, /doesn't look like it has an OS tree/);
    assert.equal(classifyFailure(evidence("", { started: false, error: "spawn systemd-nspawn ENOENT" })).class, "host");
  });

  it("the whole Failure of a stopped step, a step that never started, and a SIGKILL without a memory message", () => {
    assert.deepEqual(classifyFailure(evidence("", { exitCode: null, signal: "SIGTERM", interrupted: true })), {
      class: "interrupted", summary: "stopped by a signal (killed by SIGTERM)", fix: ["run it again"], details: [], packages: [],
    });
    assert.deepEqual(classifyFailure(evidence("", { started: false, error: "spawn systemd-nspawn ENOENT" })), {
      class: "host",
      summary: "the container could not start: spawn systemd-nspawn ENOENT",
      fix: ["check the host with binpkgbot doctor, then run again"],
      details: ["spawn systemd-nspawn ENOENT"],
      packages: [],
    });
    // SIGKILL is the OOM killer's signal, but with nothing about memory in the output it proves nothing.
    assert.deepEqual(classifyFailure(evidence("compiling\n", { exitCode: null, signal: "SIGKILL" })), {
      class: "unknown",
      summary: "killed by SIGKILL, with no message binpkgbot knows",
      fix: ["read the end of the task's log (below); if it is a Portage message binpkgbot should know, report it"],
      details: ["compiling"],
      packages: [],
    });
  });

  it("only output made of nspawn's own errors, with its exit status 1, is a host failure", () => {
    const refused = "Failed to register machine: Machine 'binpkgbot-x' already exists";
    assert.equal(classifyFailure(evidence(`${refused}\n`)).class, "host");
    assert.equal(classifyFailure(evidence(`${refused}\n`, { exitCode: 2 })).class, "unknown");
    assert.equal(classifyFailure(evidence(`>>> Emerging (1 of 1) app-misc/x-1.0::gentoo\n${refused}\n`)).class, "unknown");
    assert.equal(classifyFailure(evidence("\n", { exitCode: 1 })).class, "unknown");
  });

  it("anything else is unknown and shows the last lines", () => {
    const output = Array.from({ length: 30 }, (_, index) => `line ${index + 1}`).join("\n");
    const failure = classifyFailure(evidence(output, { exitCode: 2 }));
    assert.equal(failure.class, "unknown");
    assert.equal(failure.summary, "exit code 2, with no message binpkgbot knows");
    assert.equal(failure.details.length, UNKNOWN_TAIL_LINES);
    assert.equal(failure.details.at(-1), "line 30");
  });

  it("colour codes do not hide a message", () => {
    const output = '\u001b[31;01m!!!\u001b[0m All ebuilds that could satisfy "app-misc/masked" have been masked.\n- app-misc/masked-1.0::gentoo (masked by: package.mask)';
    assert.equal(classifyFailure(evidence(output)).class, "masked");
  });
});
