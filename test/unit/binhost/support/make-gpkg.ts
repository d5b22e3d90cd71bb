// Test helpers: GPKG-like containers built with GNU tar (the layout gpkg.py writes: a
// `<basename>/` directory holding gpkg-1, metadata.tar.<ext>, image.tar.<ext>, optional `.sig`
// members and a Manifest) and Packages index blocks that describe them.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export type GpkgSpec = {
  /** Where to write it, absolute. */
  file: string;
  /** Signatures for which data members: none, both, or only the metadata. */
  signed?: "none" | "both" | "metadata-only";
  /** Bytes of fake image data (default 3000): it is the bulk of the file. */
  imageBytes?: number;
  /** tar --format (default ustar, as gpkg.py writes for ordinary packages). */
  format?: "ustar" | "gnu" | "pax";
};

export function tarAvailable(): boolean {
  return spawnSync("tar", ["--version"]).status === 0;
}

/** Writes the container and returns its size. */
export function makeGpkg(spec: GpkgSpec): number {
  const basename = path.basename(spec.file).replace(/\.gpkg\.tar$/, "");
  const work = mkdtempSync(path.join(tmpdir(), "binpkgbot-gpkg-"));
  try {
    const dir = path.join(work, basename);
    mkdirSync(dir);
    const members = ["gpkg-1", "metadata.tar.zst", "image.tar.zst"];
    writeFileSync(path.join(dir, "gpkg-1"), "");
    writeFileSync(path.join(dir, "metadata.tar.zst"), Buffer.alloc(700, 7));
    writeFileSync(path.join(dir, "image.tar.zst"), Buffer.alloc(spec.imageBytes ?? 3000, 9));
    const signed = spec.signed ?? "none";
    if (signed !== "none") members.splice(2, 0, "metadata.tar.zst.sig");
    if (signed === "both") members.push("image.tar.zst.sig");
    for (const sig of members.filter((name) => name.endsWith(".sig"))) writeFileSync(path.join(dir, sig), "-----BEGIN PGP SIGNATURE-----\n");
    writeFileSync(path.join(dir, "Manifest"), members.map((name) => `DATA ${name} 1\n`).join(""));
    members.push("Manifest");
    mkdirSync(path.dirname(spec.file), { recursive: true });
    const argv = ["-c", "-f", spec.file, `--format=${spec.format ?? "ustar"}`, "-C", work, ...members.map((name) => `${basename}/${name}`)];
    const result = spawnSync("tar", argv, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`tar ${argv.join(" ")} failed: ${result.stderr}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return statSync(spec.file).size;
}

/** Sets a file's mtime `ageMs` before `now`. */
export function age(file: string, now: Date, ageMs: number): void {
  const when = new Date(now.getTime() - ageMs);
  utimesSync(file, when, when);
}

export type IndexBlock = { cpv: string; buildId: number; buildTime: number; use: string[]; path: string; size: number };

/** A Packages text as Portage writes one: a header, then one block per binpkg. */
export function renderIndexText(blocks: readonly IndexBlock[], header: Record<string, string> = {}): string {
  const head = { ARCH: "amd64", CHOST: "x86_64-pc-linux-gnu", PACKAGES: String(blocks.length), TIMESTAMP: "1700000000", VERSION: "0", ...header };
  const lines = Object.entries(head).map(([key, value]) => `${key}: ${value}\n`).join("") + "\n";
  return lines + blocks.map((block) => [
    `BUILD_ID: ${block.buildId}`, `BUILD_TIME: ${block.buildTime}`, `CPV: ${block.cpv}`, "EAPI: 8", `PATH: ${block.path}`,
    `SIZE: ${block.size}`, `USE: ${block.use.join(" ")}`, "REPO: gentoo", "",
  ].join("\n") + "\n").join("");
}

/** The multi-instance PATH of a build: `<cat>/<pn>/<pf>-<BUILD_ID>.gpkg.tar`. */
export function instancePath(cpv: string, buildId: number): string {
  const [category = "", pf = ""] = cpv.split("/");
  const pn = pf.replace(/-[0-9].*$/, "");
  return `${category}/${pn}/${pf}-${buildId}.gpkg.tar`;
}
