// A minimal "Gentoo-like" stage for integration tests: static busybox and bash, the Portage
// directories binpkgbot binds or reads, the emerge test double as /usr/bin/emerge (its parts in
// /usr/lib/emerge-double) and the double's test repository as /var/db/repos/gentoo.
//
// What systemd-nspawn 252 needs to run a command with --pipe (found by experiment): the tree
// must contain /usr ("doesn't look like it has an OS tree (/usr/ directory is missing).
// Refusing."), and the command must exist. os-release is not required for a command (only
// for --boot), but it is added so the stage looks like an OS tree. nspawn creates /dev, /proc,
// /sys, /run, /tmp, /root, /var and /etc mount points itself on the first start of a
// non-ephemeral container.
import { access, chmod, constants, copyFile, cp, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeExec, runChecked, type Exec } from "../../../src/exec/exec.js";
import { createSubvolume } from "../../../src/container/btrfs.js";

const DIRECTORIES = [
  "bin", "usr/bin", "usr/lib", "etc/portage", "root", "tmp", "var/tmp", "var/lib",
  "var/db/repos/gentoo/profiles", "var/cache/binpkgs", "var/cache/distfiles", "var/log/portage/elog",
];

const OS_RELEASE = 'NAME="binpkgbot test stage"\nID=gentoo\nPRETTY_NAME="binpkgbot test stage (not Gentoo)"\n';
const PASSWD = "root:x:0:0:root:/root:/bin/bash\nportage:x:250:250:portage:/var/lib/portage/home:/bin/false\n";
const GROUP = "root:x:0:\nportage:x:250:portage\n";

/** Creates the stage as a new subvolume `btrfsDir/name` and returns its path. */
export async function createTestStage(btrfsDir: string, name: string, exec: Exec = nodeExec): Promise<string> {
  const stage = join(btrfsDir, name);
  await createSubvolume(exec, stage);
  for (const dir of DIRECTORIES) await mkdir(join(stage, dir), { recursive: true });
  await chmod(join(stage, "tmp"), 0o1777);
  await chmod(join(stage, "var/tmp"), 0o1777);
  await installBusybox(exec, stage);
  await copyFile(await firstExisting(["/bin/bash-static", "/usr/bin/bash-static"]), join(stage, "bin/bash"));
  await writeFile(join(stage, "usr/lib/os-release"), OS_RELEASE);
  await symlink("../usr/lib/os-release", join(stage, "etc/os-release"));
  await writeFile(join(stage, "etc/passwd"), PASSWD);
  await writeFile(join(stage, "etc/group"), GROUP);
  await copyTestRepository(join(stage, "var/db/repos/gentoo"));
  await copyFile(join(stageDoubleDir(), "emerge-double.sh"), join(stage, "usr/bin/emerge"));
  await chmod(join(stage, "usr/bin/emerge"), 0o755);
  await cp(join(stageDoubleDir(), "lib"), join(stage, "usr/lib/emerge-double"), { recursive: true });
  await buildLockfRun(exec, join(stage, "usr/bin/lockf-run"));
  return stage;
}

/**
 * Compiles stage-double/lockf-run.c statically to `output`: the double's index lock (Portage's lockf
 * on .Packages.portage_lockfile), which busybox lacks. Also run on the host to hold that lock.
 */
export async function buildLockfRun(exec: Exec, output: string): Promise<void> {
  const gcc = await firstOnPath("gcc");
  if (gcc === null) throw new Error("gcc is not on PATH: the test stage needs it to build stage-double/lockf-run.c; install gcc and libc6-dev");
  const result = await exec.run([gcc, "-static", "-O2", "-Wall", "-o", output, join(stageDoubleDir(), "lockf-run.c")]);
  if (result.code !== 0) {
    throw new Error(`gcc -static could not build stage-double/lockf-run.c (is libc6-dev installed?): ${result.stderr.trim()}`);
  }
}

/**
 * Copies the double's ebuild repository (stage-double/repo: profiles/package.mask, versions with
 * their KEYWORDS and SLOTs, an ebuild whose build fails) into `dir`, the repository binpkgbot binds.
 */
export async function copyTestRepository(dir: string): Promise<void> {
  await cp(join(stageDoubleDir(), "repo"), dir, { recursive: true });
}

function stageDoubleDir(): string {
  // Compiled tests run from build/test/…; the scripts are not compiled, so find them in the source tree.
  const here = fileURLToPath(new URL(".", import.meta.url));
  const fromBuild = join(here, "../../../../test/integration/stage-double");
  return here.includes("/build/test/") ? fromBuild : join(here, "../stage-double");
}

async function installBusybox(exec: Exec, stage: string): Promise<void> {
  const busybox = await firstExisting(["/bin/busybox", "/usr/bin/busybox"]);
  await copyFile(busybox, join(stage, "bin/busybox"));
  await chmod(join(stage, "bin/busybox"), 0o755);
  const applets = (await runChecked(exec, [busybox, "--list"])).stdout.split("\n").filter((applet) => /^[\w.[-]+$/.test(applet));
  for (const applet of applets) {
    if (applet === "busybox") continue;
    await symlink("busybox", join(stage, "bin", applet));
  }
}

async function firstOnPath(tool: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (await access(join(dir, tool), constants.X_OK).then(() => true, () => false)) return join(dir, tool);
  }
  return null;
}

async function firstExisting(paths: string[]): Promise<string> {
  for (const path of paths) {
    if (await access(path).then(() => true, () => false)) return path;
  }
  throw new Error(`none of ${paths.join(", ")} exists: install busybox-static and bash-static`);
}
