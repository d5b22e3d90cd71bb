// One bash script in a throw-away container of a world's stage, with the binds binpkgbot makes
// (repository read-only, PKGDIR writable, /etc/portage read-only), as the double's tests run emerge.
import { nodeExec } from "../../../src/exec/exec.js";
import { probeHost } from "../../../src/container/host.js";
import { runContainer, withoutNspawnNoise } from "../../../src/container/run-container.js";
import type { World } from "./world.js";

let counter = 0;

export async function inContainer(world: World, script: string, options: { etc?: string; env?: Record<string, string> } = {}) {
  counter += 1;
  const register = (await probeHost({ exec: nodeExec, path: process.env.PATH ?? "" })).systemdPid1;
  const result = await runContainer(nodeExec, {
    directory: world.stage, ephemeral: true, machine: `binpkgbot-double-${process.pid}-${counter}`, register, sudo: false,
    binds: [
      { from: world.repo, to: "/var/db/repos/gentoo", writable: false },
      { from: world.pkgdir, to: "/var/cache/binpkgs", writable: true },
      { from: options.etc ?? world.etcPortage, to: "/etc/portage", writable: false },
    ],
    env: { FEATURES: "buildpkg", PATH: "/usr/bin:/bin", ...options.env },
    command: ["/bin/bash", "-c", script],
  });
  return { ...result, stderr: withoutNspawnNoise(result.stderr) };
}
