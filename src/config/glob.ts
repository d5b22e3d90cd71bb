// Include globs: `*`, `?` and `[...]` inside one path segment, as a shell would expand them.
// Like a shell, a wildcard does not match a leading dot. Pure: the directory listing comes in.

export function hasGlobMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

export function segmentMatcher(segment: string): RegExp {
  let source = "";
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] ?? "";
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const end = segment.indexOf("]", i + 2);
      if (end === -1) {
        source += "\\[";
        continue;
      }
      let body = segment.slice(i + 1, end);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      source += `[${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else source += char.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export function matchSegment(segment: string, names: readonly string[]): string[] {
  const matcher = segmentMatcher(segment);
  const dotOk = segment.startsWith(".");
  return names.filter((name) => (dotOk || !name.startsWith(".")) && matcher.test(name));
}

/** Byte order of the path, so that 10-foo.yml sorts after 02-bar.yml and the order never depends on a locale. */
export function compareFileNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
