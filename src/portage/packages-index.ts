// The $PKGDIR/Packages index: a header block, then one block per binary
// package, blocks separated by an empty line, lines `KEY: value`.
// Reading follows `PackageIndex.readHeader/readBody/_readpkgindex` in
// lib/portage/getbinpkg.py; defaults, inherited and translated keys follow
// `binarytree.__init__` in lib/portage/dbapi/bintree.py.

export type BinpkgEntry = {
  cpv: string;
  buildId?: number;
  buildTime?: number;
  /** Relative to PKGDIR; when PATH is absent Portage assumes `<cpv>.tbz2` (bintree.py). */
  path: string;
  size?: number;
  /** Enabled flags, implicit ones (amd64, elibc_glibc…) included. */
  use: string[];
  slot: string;
  subSlot?: string;
  eapi: string;
  /** REPO, or the header's REPO when the block leaves it out. */
  repo?: string;
  /** CHOST, or the header's CHOST when the block leaves it out. */
  chost?: string;
  md5?: string;
  sha1?: string;
  /** The block's keys and values as written: file key names, no defaults applied. */
  fields: Record<string, string>;
};

export type PackagesIndexIssue = { line: number; message: string };

export type PackagesIndex = {
  header: Record<string, string>;
  packages: BinpkgEntry[];
  issues: PackagesIndexIssue[];
};

// bintree.py `_pkgindex_default_pkg_data`: omitted keys mean these values, and
// PackageIndex.write leaves out keys that hold them. Its other keys (BDEPEND,
// BUILD_ID, USE…) default to "", which needs no entry: empty values are read as
// absent and never written.
const DEFAULT_EAPI = "0";
const DEFAULT_SLOT = "0";
const DEFAULT_PKG_DATA: Readonly<Record<string, string>> = { EAPI: DEFAULT_EAPI, SLOT: DEFAULT_SLOT };

// bintree.py `_pkgindex_inherited_keys` (CHOST, repository), under their
// names in the file (`_pkgindex_translated_keys`: repository is written REPO).
const INHERITED_KEYS = ["CHOST", "REPO"] as const;

// A Map, not an object, so that a key such as __proto__ is only data.
// bintree.py `_pkgindex_translated_keys`: Portage's own names for keys that the
// file spells differently. PackageIndex.write sorts by Portage's names, which
// is why MTIME and REPO come after USE in a real index.
const PORTAGE_KEY_NAME: Readonly<Record<string, string>> = { DESC: "DESCRIPTION", MTIME: "_mtime_", REPO: "repository" };

type Block = { line: number; fields: Map<string, string>; lines: Map<string, number> };

/**
 * Parses the text of a Packages file. Never throws: lines Portage would skip
 * and values it could not use are reported in `issues` with their 1-based line.
 * Unlike Portage, keys it does not know are kept (in `fields`).
 */
export function parsePackagesIndex(text: string): PackagesIndex {
  const issues: PackagesIndexIssue[] = [];
  // Python's text mode reads \r\n and \r as line ends too.
  const lines = text.split(/\r\n|\r|\n/);
  const blocks = readBlocks(lines, issues);
  const header = Object.fromEntries(blocks[0]?.fields ?? []);
  const packages: BinpkgEntry[] = [];
  for (const block of blocks.slice(1)) {
    if (!block.fields.get("CPV")) {
      issues.push({ line: block.line, message: "this block has no CPV, so Portage skips it" });
      continue;
    }
    const fields = Object.fromEntries(block.fields);
    const report = (message: string, key: string): void => {
      issues.push({ line: block.lines.get(key) ?? block.line, message });
    };
    packages.push(toBinpkgEntry(fields, header, report));
  }
  issues.sort((a, b) => a.line - b.line);
  return { header, packages, issues };
}

/** Splits lines into blocks: the header first, then packages up to the first empty block. */
function readBlocks(lines: readonly string[], issues: PackagesIndexIssue[]): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    if (line === "") {
      if (current !== undefined) blocks.push(current);
      else if (blocks.length > 0) {
        // readBody stops at the first empty block: the rest is invisible to Portage.
        reportIgnoredTail(lines, index, issues);
        return blocks;
      } else {
        // An empty first line: readHeader reads an empty header.
        blocks.push({ line: number, fields: new Map(), lines: new Map() });
      }
      current = undefined;
      continue;
    }
    current ??= { line: number, fields: new Map(), lines: new Map() };
    readLine(line, number, current, issues);
  }
  if (current !== undefined) blocks.push(current);
  return blocks;
}

function reportIgnoredTail(lines: readonly string[], blankIndex: number, issues: PackagesIndexIssue[]): void {
  const next = lines.findIndex((line, index) => index > blankIndex && line !== "");
  if (next === -1) return;
  issues.push({
    line: blankIndex + 1,
    message: `a second empty line ends the index for Portage; the lines from ${next + 1} on are ignored`,
  });
}

function readLine(line: string, number: number, block: Block, issues: PackagesIndexIssue[]): void {
  const colon = line.indexOf(":");
  const key = colon === -1 ? "" : line.slice(0, colon);
  if (!/^[A-Za-z0-9_]+$/.test(key)) {
    const message = /^[ \t]+$/.test(line)
      ? "this line holds only whitespace; Portage does not end a block there, so it is skipped"
      : `'${line}' is not a 'KEY: value' line; Portage skips it`;
    issues.push({ line: number, message });
    return;
  }
  let value = line.slice(colon + 1);
  if (value.startsWith(" ")) value = value.slice(1);
  else if (value !== "") issues.push({ line: number, message: `no space after '${key}:'; Portage drops the first character of the value` });
  if (block.fields.has(key)) {
    issues.push({ line: number, message: `${key} appears twice in this block; the last value wins` });
  }
  block.fields.set(key, value.replace(/[ \t]+$/, ""));
  block.lines.set(key, number);
}

/**
 * Typed view of one package block, applying Portage's defaults for omitted
 * keys and the header's values for inherited ones.
 */
export function toBinpkgEntry(
  fields: Record<string, string>,
  header: Record<string, string>,
  report: (message: string, key: string) => void = () => undefined,
): BinpkgEntry {
  const get = (key: string): string | undefined => (fields[key] ? fields[key] : undefined);
  const cpv = fields.CPV ?? "";
  const [slot = "0", subSlot] = (get("SLOT") ?? DEFAULT_SLOT).split("/", 2);
  const entry: BinpkgEntry = {
    cpv,
    path: get("PATH") ?? `${cpv}.tbz2`,
    use: (fields.USE ?? "").split(/[ \t]+/).filter((flag) => flag !== ""),
    slot,
    eapi: get("EAPI") ?? DEFAULT_EAPI,
    fields,
  };
  if (subSlot !== undefined) entry.subSlot = subSlot;
  const numbers = { buildId: "BUILD_ID", buildTime: "BUILD_TIME", size: "SIZE" } as const;
  for (const [name, key] of Object.entries(numbers) as [keyof typeof numbers, string][]) {
    const value = get(key);
    if (value === undefined) continue;
    if (/^[0-9]+$/.test(value)) entry[name] = Number(value);
    else report(`${key} '${value}' is not a whole number`, key);
  }
  const inherited = { repo: "REPO", chost: "CHOST" } as const;
  for (const [name, key] of Object.entries(inherited) as [keyof typeof inherited, string][]) {
    const value = get(key) ?? (header[key] ? header[key] : undefined);
    if (value !== undefined) entry[name] = value;
  }
  const md5 = get("MD5");
  const sha1 = get("SHA1");
  if (md5 !== undefined) entry.md5 = md5;
  if (sha1 !== undefined) entry.sha1 = sha1;
  return entry;
}

/**
 * Text of a Packages file as `PackageIndex.write` (lib/portage/getbinpkg.py)
 * lays it out: header keys sorted (by Portage's names for them), packages
 * sorted by CPV, each block's keys sorted likewise, empty values, default values and values equal to the header's
 * inherited ones left out, every block followed by an empty line. The header
 * is written as given: TIMESTAMP and PACKAGES are the caller's to set.
 */
export function renderPackagesIndex(index: {
  header: Record<string, string>;
  packages: readonly { fields: Record<string, string> }[];
}): string {
  const { header } = index;
  const packages = [...index.packages].sort((a, b) => compareCodePoints(a.fields.CPV ?? "", b.fields.CPV ?? ""));
  const blocks = [renderBlock(header, () => false)];
  for (const entry of packages) {
    blocks.push(
      renderBlock(entry.fields, (key, value) =>
        (INHERITED_KEYS as readonly string[]).includes(key) ? header[key] === value : DEFAULT_PKG_DATA[key] === value,
      ),
    );
  }
  return blocks.join("");
}

function renderBlock(fields: Record<string, string>, omit: (key: string, value: string) => boolean): string {
  const portageName = (key: string): string => (Object.hasOwn(PORTAGE_KEY_NAME, key) ? PORTAGE_KEY_NAME[key] ?? key : key);
  const keys = Object.keys(fields).sort((a, b) => compareCodePoints(portageName(a), portageName(b)));
  const lines = keys.flatMap((key) => {
    const value = fields[key] ?? "";
    return value === "" || omit(key, value) ? [] : [`${key}: ${value}\n`];
  });
  return lines.join("") + "\n";
}

// Python compares str by code point; so do these operators on ASCII text.
function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Identity of one binary package instance in an index. */
export function binpkgKey(entry: Pick<BinpkgEntry, "cpv" | "buildId" | "path">): string {
  return `${entry.cpv}\u0000${entry.buildId ?? ""}\u0000${entry.path}`;
}

/** Entries of `after` that `before` does not have (same CPV, BUILD_ID and PATH). */
export function diffPackagesIndex(
  before: { packages: readonly BinpkgEntry[] },
  after: { packages: readonly BinpkgEntry[] },
): BinpkgEntry[] {
  const known = new Set(before.packages.map(binpkgKey));
  return after.packages.filter((entry) => !known.has(binpkgKey(entry)));
}
