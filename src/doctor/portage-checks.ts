// Checks of the Portage side: the repository, the admin's etc_portage, FEATURES and binhosts. Pure.
import { quoteWord } from "../plan/render-plan.js";
import { isRemoteUri, parseBinrepos, type Binrepo } from "./binrepos.js";
import type { DoctorFacts } from "./facts.js";
import type { Finding } from "./finding.js";
import { optionsRequestGetbinpkg, resolveFeature } from "./features.js";

const MULTI_INSTANCE = "binpkg-multi-instance";

export function checkPortageRepo(facts: Pick<DoctorFacts, "portageRepo" | "syncEnabled" | "configFile">): Finding[] {
  const repo = facts.portageRepo;
  const subject = "portage_repo";
  const elsewhere = `or set 'portage_repo' in ${facts.configFile} to the repository`;
  if (repo.kind !== "directory") {
    return [{ level: "problem", subject, message: `${repo.path} ${repo.kind === "missing" ? "does not exist" : "is not a directory"}`,
      fix: `get the Gentoo repository: git clone --depth 1 https://github.com/gentoo-mirror/gentoo.git ${quoteWord(repo.path)}, ${elsewhere}` }];
  }
  if (repo.repoName === null && !repo.hasMetadataDir) {
    const message = `${repo.path} has neither profiles/repo_name nor metadata/: it is not an ebuild repository (yet)`;
    if (facts.syncEnabled) return [{ level: "warning", subject, message: `${message}; the sync before the tasks has to fill it`, fix: `to fill it now: git clone --depth 1 https://github.com/gentoo-mirror/gentoo.git ${quoteWord(repo.path)}` }];
    return [{ level: "problem", subject, message: `${message}, and sync is off`, fix: `fill it: git clone --depth 1 https://github.com/gentoo-mirror/gentoo.git ${quoteWord(repo.path)}, ${elsewhere}` }];
  }
  return [{ level: "ok", subject, message: `${repo.path} is an ebuild repository${repo.repoName === null ? "" : ` (${repo.repoName})`}` }];
}

export function checkEtcPortage(facts: Pick<DoctorFacts, "etcPortage" | "stage" | "configFile">): Finding[] {
  const etc = facts.etcPortage;
  const subject = "etc_portage";
  if (etc.kind !== "directory") {
    return [{ level: "problem", subject, message: `${etc.path} ${etc.kind === "missing" ? "does not exist" : "is not a directory"}; binpkgbot gives a copy of it to every container as /etc/portage`,
      fix: `start from the stage's own: cp -a ${quoteWord(`${facts.stage.path}/etc/portage`)} ${quoteWord(etc.path)}, or set 'etc_portage' in ${facts.configFile}` }];
  }
  if (etc.makeConf === null) {
    return [{ level: "problem", subject, message: `${etc.path} has no make.conf, so containers would build without your CFLAGS, FEATURES and USE`,
      fix: `copy the stage's: cp ${quoteWord(`${facts.stage.path}/etc/portage/make.conf`)} ${quoteWord(`${etc.path}/make.conf`)}` }];
  }
  return [{ level: "ok", subject, message: `${etc.path} has make.conf` }];
}

/** Atoms of two or more build tasks: variants of one package. */
export function findVariantAtoms(atoms: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const atom of atoms) counts.set(atom, (counts.get(atom) ?? 0) + 1);
  return [...counts].filter(([, count]) => count > 1).map(([atom]) => atom);
}

// binpkg-multi-instance is on in Portage's cnf/make.globals; without it a binpkg is
// $PKGDIR/<cat>/<pf>.gpkg.tar, so two builds of one version overwrite each other.
export function checkMultiInstance(facts: Pick<DoctorFacts, "etcPortage" | "buildAtoms">): Finding[] {
  const subject = MULTI_INSTANCE;
  const state = resolveFeature(facts.etcPortage.makeConf ?? [], MULTI_INSTANCE, true);
  const variants = findVariantAtoms(facts.buildAtoms);
  if (state.on) {
    const source = state.decidedBy === null ? "on (Portage's default)" : `on (FEATURES in ${state.decidedBy})`;
    return [{ level: "ok", subject, message: `${source}: variants of one package are kept side by side in PKGDIR` }];
  }
  const where = state.decidedBy ?? "make.conf";
  const fix = `remove -${MULTI_INSTANCE} (or -*) from FEATURES in ${where}`;
  if (variants.length > 0) {
    return [{ level: "problem", subject, message: `disabled in ${where}, but ${variants.join(", ")} ${variants.length === 1 ? "is" : "are"} built in several variants: without it each variant's binpkg ($PKGDIR/<cat>/<pf>.gpkg.tar) overwrites the one before`, fix }];
  }
  return [{ level: "warning", subject, message: `disabled in ${where}: fine while each package is built once, but a variant added later would overwrite the binpkg before it`, fix }];
}

export function checkBinrepos(facts: Pick<DoctorFacts, "etcPortage" | "stage" | "emergeOptions">): Finding[] {
  return [...checkStageBinrepos(facts), ...checkAdminBinrepos(facts)];
}

// Stage3s ship /etc/portage/binrepos.conf/gentoobinhost.conf naming Gentoo's official binhost.
function checkStageBinrepos(facts: Pick<DoctorFacts, "etcPortage" | "stage">): Finding[] {
  return parseBinrepos(facts.stage.binrepos).filter((repo) => isRemoteUri(repo.syncUri)).map((repo) => ({
    level: "ok",
    subject: "stage binrepos.conf",
    message: `${repo.file} names the remote binhost ${repo.syncUri} [${repo.section}] (stage3s ship Gentoo's official binhost); ` +
      `containers do not see it: binpkgbot puts a copy of ${facts.etcPortage.path} over /etc/portage, so only ${facts.etcPortage.path}/binrepos.conf counts ` +
      "(set stage_binrepos: true to give containers the stage's own where etc_portage has none)",
  }));
}

function checkAdminBinrepos(facts: Pick<DoctorFacts, "etcPortage" | "emergeOptions">): Finding[] {
  const subject = "binrepos.conf";
  const etc = facts.etcPortage.path;
  // Without etc_portage there is nothing to judge; checkEtcPortage reports that.
  if (facts.etcPortage.kind !== "directory") return [];
  const remote = parseBinrepos(facts.etcPortage.binrepos).filter((repo) => isRemoteUri(repo.syncUri));
  if (remote.length === 0) return [{ level: "ok", subject, message: `no remote binhost in ${etc}/binrepos.conf: every binpkg is built here` }];
  const feature = resolveFeature(facts.etcPortage.makeConf ?? [], "getbinpkg", false);
  const fromOptions = optionsRequestGetbinpkg(facts.emergeOptions);
  if (!feature.on && !fromOptions) {
    return remote.map((repo) => ({ level: "ok", subject,
      message: `${describe(repo)}, unused: getbinpkg is off, and --usepkg only takes binpkgs already in PKGDIR` }));
  }
  const why = feature.on ? `FEATURES=getbinpkg in ${feature.decidedBy ?? "make.conf"}` : "--getbinpkg in emerge_options";
  const stop = [feature.on ? `remove getbinpkg from FEATURES in ${feature.decidedBy ?? "make.conf"}` : "", fromOptions ? "remove --getbinpkg from emerge_options" : ""]
    .filter(Boolean).join(" and ");
  return remote.map((repo) => ({ level: "warning", subject,
    message: `${describe(repo)}, and ${why} makes emerge --usepkg download its binpkgs instead of building them: they land in PKGDIR ` +
      "and your binhost serves them as if built here, with that binhost's USE flags and CFLAGS",
    fix: `to build everything here, ${stop}, or delete [${repo.section}] from ${repo.file}` }));
}

function describe(repo: Binrepo): string {
  return `${repo.file} enables the remote binhost ${repo.syncUri} [${repo.section}]`;
}
