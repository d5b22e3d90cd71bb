// Ordering of package versions, as `vercmp` in lib/portage/versions.py: the first number, then the
// `.N` parts (a part with a leading zero compares as a decimal fraction, a missing part as -1), the
// letter, the suffixes (`_alpha` < `_beta` < `_pre` < `_rc` < none < `_p`; an absent suffix counts as
// `_p-1`), and last the revision. Whole numbers are BigInt: versions such as 20261124 overflow nothing.
const VERSION = /^(\d+)((?:\.\d+)*)([a-z]?)((?:_(?:pre|p|beta|alpha|rc)\d*)*)(?:-r(\d+))?$/;
const SUFFIX_VALUE: Readonly<Record<string, number>> = { pre: -2, p: 0, alpha: -4, beta: -3, rc: -1 };

type Parts = { numbers: bigint[]; suffixes: [string, bigint][]; revision: bigint };

/** Negative, zero or positive as `a` is lower than, equal to or higher than `b`; undefined when either is no version. */
export function compareVersions(a: string, b: string): number | undefined {
  if (a === b) return 0;
  const left = VERSION.exec(a);
  const right = VERSION.exec(b);
  if (!left || !right) return undefined;
  const [first, second] = mainParts(left, right);
  const main = compareLists(first, second);
  if (main !== 0) return main;
  const suffixes = compareSuffixes(suffixList(left[4] ?? ""), suffixList(right[4] ?? ""));
  if (suffixes !== 0) return suffixes;
  return sign(BigInt(left[5] ?? "0") - BigInt(right[5] ?? "0"));
}

function mainParts(left: RegExpExecArray, right: RegExpExecArray): [bigint[], bigint[]] {
  const first = [BigInt(left[1] ?? "0")];
  const second = [BigInt(right[1] ?? "0")];
  const dotsA = (left[2] ?? "").split(".").slice(1);
  const dotsB = (right[2] ?? "").split(".").slice(1);
  for (let i = 0; i < Math.max(dotsA.length, dotsB.length); i++) {
    const x = dotsA[i];
    const y = dotsB[i];
    if (x === undefined || y === undefined) {
      first.push(x === undefined ? -1n : BigInt(x));
      second.push(y === undefined ? -1n : BigInt(y));
    } else if (x.startsWith("0") || y.startsWith("0")) {
      // 1.02 < 1.1: both padded to one length, as the fractions 0.02 and 0.10.
      const width = Math.max(x.length, y.length);
      first.push(BigInt(x.padEnd(width, "0")));
      second.push(BigInt(y.padEnd(width, "0")));
    } else {
      first.push(BigInt(x));
      second.push(BigInt(y));
    }
  }
  if (left[3]) first.push(BigInt(left[3].charCodeAt(0)));
  if (right[3]) second.push(BigInt(right[3].charCodeAt(0)));
  return [first, second];
}

function compareLists(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x !== y) return sign(x - y);
  }
  return 0;
}

function suffixList(text: string): Parts["suffixes"] {
  return text.split("_").slice(1).map((part) => {
    const name = /^[a-z]+/.exec(part)?.[0] ?? "p";
    const digits = part.slice(name.length);
    return [name, digits === "" ? 0n : BigInt(digits)];
  });
}

function compareSuffixes(a: Parts["suffixes"], b: Parts["suffixes"]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [nameA, numberA] = a[i] ?? ["p", -1n];
    const [nameB, numberB] = b[i] ?? ["p", -1n];
    if (nameA !== nameB) return sign(BigInt((SUFFIX_VALUE[nameA] ?? 0) - (SUFFIX_VALUE[nameB] ?? 0)));
    if (numberA !== numberB) return sign(numberA - numberB);
  }
  return 0;
}

function sign(value: bigint): number {
  return value > 0n ? 1 : value < 0n ? -1 : 0;
}
