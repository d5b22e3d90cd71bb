import { test } from "node:test";
import assert from "node:assert/strict";
import { ContainerSpecError, renderNspawnArgv, type ContainerSpec } from "../../../src/container/nspawn-argv.js";

const base: ContainerSpec = {
  directory: "/var/lib/binpkgbot/stages/amd64",
  ephemeral: true,
  machine: "binpkgbot-amd64-1",
  binds: [],
  env: {},
  command: ["emerge", "--oneshot", "app-misc/hello"],
  register: false,
  sudo: false,
};

test("ephemeral run without machined", () => {
  assert.deepEqual(renderNspawnArgv(base), [
    "systemd-nspawn", "--quiet", "--directory=/var/lib/binpkgbot/stages/amd64", "--ephemeral",
    "--machine=binpkgbot-amd64-1", "--register=no", "--keep-unit", "--pipe",
    "--", "emerge", "--oneshot", "app-misc/hello",
  ]);
});

test("persistent run registered with machined, binds, env, chdir, sudo", () => {
  const argv = renderNspawnArgv({
    ...base,
    ephemeral: false,
    register: true,
    sudo: true,
    binds: [
      { from: "/srv/binpkgs/amd64", to: "/var/cache/binpkgs", writable: true },
      { from: "/srv/repos/gentoo", to: "/var/db/repos/gentoo", writable: false },
    ],
    env: { FEATURES: "buildpkg", USE: "-X foo" },
    workingDirectory: "/tmp",
  });
  assert.deepEqual(argv, [
    "sudo", "--non-interactive", "systemd-nspawn", "--quiet", "--directory=/var/lib/binpkgbot/stages/amd64",
    "--machine=binpkgbot-amd64-1", "--pipe",
    "--bind=/srv/binpkgs/amd64:/var/cache/binpkgs", "--bind-ro=/srv/repos/gentoo:/var/db/repos/gentoo",
    "--setenv=FEATURES=buildpkg", "--setenv=USE=-X foo", "--chdir=/tmp",
    "--", "emerge", "--oneshot", "app-misc/hello",
  ]);
});

test("interactive keeps the terminal: no --pipe, plain sudo", () => {
  const argv = renderNspawnArgv({ ...base, interactive: true, sudo: true, command: ["/bin/bash"] });
  assert.deepEqual(argv, [
    "sudo", "systemd-nspawn", "--quiet", "--directory=/var/lib/binpkgbot/stages/amd64", "--ephemeral",
    "--machine=binpkgbot-amd64-1", "--register=no", "--keep-unit", "--", "/bin/bash",
  ]);
});

test("colons and backslashes in bind paths are escaped as systemd-nspawn(1) documents", () => {
  const argv = renderNspawnArgv({ ...base, binds: [{ from: "/srv/a:b\\c", to: "/mnt/x:y", writable: false }] });
  assert.ok(argv.includes("--bind-ro=/srv/a\\:b\\\\c:/mnt/x\\:y"), argv.join(" "));
});

test("an env value with '=' or spaces stays one argv element", () => {
  const argv = renderNspawnArgv({ ...base, env: { MAKEOPTS: "-j2 -l2", X: "a=b; rm -rf /" } });
  assert.ok(argv.includes("--setenv=MAKEOPTS=-j2 -l2"));
  assert.ok(argv.includes("--setenv=X=a=b; rm -rf /"));
});

test("the command follows -- so options in it are not read by nspawn", () => {
  const argv = renderNspawnArgv({ ...base, command: ["--help"] });
  assert.deepEqual(argv.slice(-2), ["--", "--help"]);
});

for (const [label, spec, pattern] of [
  ["bad env key", { ...base, env: { "A-B": "1" } }, /environment variable name "A-B"/],
  ["env key starting with digit", { ...base, env: { "1A": "1" } }, /"1A"/],
  ["relative bind", { ...base, binds: [{ from: "srv", to: "/x", writable: false }] }, /bind from "srv" must be an absolute path/],
  ["relative directory", { ...base, directory: "stage" }, /directory "stage"/],
  ["machine with slash", { ...base, machine: "a/b" }, /machine name "a\/b"/],
  ["machine too long", { ...base, machine: "b".repeat(65) }, /machine name/],
  ["empty command", { ...base, command: [] }, /command is empty/],
  ["newline in bind", { ...base, binds: [{ from: "/a\nb", to: "/x", writable: true }] }, /NUL or newline/],
] as const) {
  test(`rejects ${label}`, () => {
    assert.throws(() => renderNspawnArgv(spec as ContainerSpec), (error: unknown) => {
      assert.ok(error instanceof ContainerSpecError);
      assert.match(error.message, pattern);
      return true;
    });
  });
}

test("memory_max where nspawn registers a scope unit: --property=MemoryMax= in bytes (systemd-nspawn(1) --property=)", () => {
  const argv = renderNspawnArgv({ ...base, register: true, memoryMax: 4 * 1024 ** 3 });
  assert.deepEqual(argv, [
    "systemd-nspawn", "--quiet", "--directory=/var/lib/binpkgbot/stages/amd64", "--ephemeral",
    "--machine=binpkgbot-amd64-1", "--property=MemoryMax=4294967296", "--pipe",
    "--", "emerge", "--oneshot", "app-misc/hello",
  ]);
});

test("memory_max with --keep-unit: no property (there is no scope unit to take it; the runner makes a cgroup)", () => {
  const argv = renderNspawnArgv({ ...base, register: false, memoryMax: 4 * 1024 ** 3 });
  assert.deepEqual(argv, renderNspawnArgv(base));
  assert.ok(!argv.some((arg) => arg.startsWith("--property")), argv.join(" "));
});
