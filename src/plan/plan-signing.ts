// Signing binpkgs with Portage's binpkg-signing inside build containers. Pure: paths, binds, environment.
//
// cnf/make.globals: BINPKG_GPG_SIGNING_BASE_COMMAND="/usr/bin/flock /run/lock/portage-binpkg-gpg.lock
// /usr/bin/gpg --sign …", so a never-booted container needs a /run/lock; lib/portage/gpkg.py passes
// "--homedir {BINPKG_GPG_SIGNING_GPG_HOME} --local-user {BINPKG_GPG_SIGNING_KEY}"; and Portage verifies
// the binpkgs it makes and reuses against BINPKG_GPG_VERIFY_GPG_HOME=/etc/portage/gnupg as
// GPG_VERIFY_USER_DROP=nobody, accepting only fully or ultimately trusted keys.
import path from "node:path";
import type { Config, SigningSettings } from "../config/config.js";
import type { BindMount } from "../container/nspawn-argv.js";

export const SIGNING_GNUPG_IN_CONTAINER = "/run/binpkgbot/signing-gnupg";

/** What a signing build container gets: a private copy of the signing GnuPG home and a lock directory. */
export interface StepSigning {
  key: string;
  /** The admin's GnuPG home with the secret key (never bound, only copied). */
  gnupgHome: string;
  /** The step's own copy, bound writable (gpg writes its lock files and agent socket there). */
  copy: string;
  /** An empty directory bound at /run/lock for Portage's flock. */
  lockDir: string;
}

/** The key that /etc/portage/gnupg in the container's copy must trust, so Portage accepts its binpkgs. */
export interface TrustedKey {
  key: string;
  gnupgHome: string;
}

export function planSigning(signing: SigningSettings, workDir: string): StepSigning {
  return { key: signing.key, gnupgHome: signing.gnupgHome, copy: path.join(workDir, "signing-gnupg"), lockDir: path.join(workDir, "run-lock") };
}

export function trustedKey(config: Config): TrustedKey | null {
  return config.signing ? { key: config.signing.key, gnupgHome: config.signing.gnupgHome } : null;
}

export function signingBinds(signing: StepSigning): BindMount[] {
  return [
    { from: signing.copy, to: SIGNING_GNUPG_IN_CONTAINER, writable: true },
    { from: signing.lockDir, to: "/run/lock", writable: true },
  ];
}

/** FEATURES in the environment adds to make.conf's (make.conf(5)); binpkg-signing needs gpkg, the default. */
export function signingEnv(signing: StepSigning, env: Record<string, string>): Record<string, string> {
  return {
    ...env,
    FEATURES: `${env.FEATURES ?? ""} binpkg-signing`.trim(),
    BINPKG_GPG_SIGNING_KEY: signing.key,
    BINPKG_GPG_SIGNING_GPG_HOME: SIGNING_GNUPG_IN_CONTAINER,
  };
}
