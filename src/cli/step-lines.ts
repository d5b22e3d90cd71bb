// A step's output as whole lines with its prefix in front. Chunks end anywhere (inside a line, inside a
// character); the end of each is held per step and stream until its newline comes, so that lines of
// steps running at the same time never mix. Works on bytes: gigabytes of build output are prefixed
// without being decoded, and without a new buffer per chunk (the prefixed lines go to one that is reused).

const NEWLINE = 0x0a;

/** A line longer than this is passed on in pieces: a step printing without newlines cannot fill memory. */
export const MAX_HELD_BYTES = 64 * 1024;

export interface PrefixedLines {
  /** The complete lines, each as `prefix line\n`; empty when the chunk completed none. Valid until the next push or end. */
  text: Buffer;
  /** The last complete line of the chunk, without prefix and newline (null: none); for the live block. Valid as `text`. */
  last: Buffer | null;
}

export class StepLines {
  private readonly held = new Map<string, Buffer>();
  private out = Buffer.allocUnsafe(0);
  private ends = new Int32Array(0);

  /** Adds `chunk` to what `key` holds; returns the lines it completes, prefixed. `chunk` is not kept: its buffer may be reused. */
  push(key: string, prefix: Buffer, chunk: Buffer): PrefixedLines {
    const before = this.held.get(key);
    const end = chunk.lastIndexOf(NEWLINE) + 1;
    const rest = chunk.subarray(end);
    const restHeld = end === 0 && before !== undefined ? before.length + rest.length : rest.length;
    if (restHeld > MAX_HELD_BYTES) {
      this.held.delete(key);
      return { text: this.prefix(prefix, before, chunk, true), last: null };
    }
    if (end === 0) {
      // A copy either way: a held slice would keep the whole chunk alive, and the chunk's buffer is reused.
      if (rest.length > 0) this.held.set(key, before === undefined ? Buffer.from(rest) : Buffer.concat([before, rest]));
      return { text: this.out.subarray(0, 0), last: null };
    }
    const text = this.prefix(prefix, before, chunk.subarray(0, end), false);
    if (rest.length > 0) this.held.set(key, Buffer.from(rest));
    else this.held.delete(key);
    return { text, last: text.subarray(text.lastIndexOf(NEWLINE, text.length - 2) + 1 + prefix.length, text.length - 1) };
  }

  /** What `key` still holds, as a last line with its newline (empty when nothing); forgets it. Valid as `push`'s. */
  end(key: string, prefix: Buffer): Buffer {
    const rest = this.held.get(key);
    this.held.delete(key);
    return rest === undefined ? this.out.subarray(0, 0) : this.prefix(prefix, undefined, rest, true);
  }

  /** `before` then `lines` (which ends with a newline unless `newline` adds one), prefixed, in the reused buffer. */
  private prefix(prefix: Buffer, before: Buffer | undefined, lines: Buffer, newline: boolean): Buffer {
    let to = 0;
    if (before !== undefined) {
      to = this.room(to, prefix.length + before.length);
      to += prefix.copy(this.out, to);
      to += before.copy(this.out, to);
    }
    to = this.copyLines(to, lines, prefix, before === undefined);
    if (newline) {
      to = this.room(to, 1);
      this.out[to++] = NEWLINE;
    }
    return this.out.subarray(0, to);
  }

  /**
   * Copies `lines` to `at`, `prefix` before each line that starts in it (the first only if `atLineStart`).
   * Per line only the prefix is written and the line moved down within the buffer: the bytes are copied
   * once, as a whole, behind the room the prefixes take.
   */
  private copyLines(at: number, lines: Buffer, prefix: Buffer, atLineStart: boolean): number {
    const ends = this.lineEnds(lines);
    const starts = ends.length - (lines.at(-1) === NEWLINE ? 1 : 0) + (atLineStart && lines.length > 0 ? 1 : 0);
    const base = this.room(at, lines.length + starts * prefix.length) + starts * prefix.length;
    this.out.set(lines, base);
    let to = at;
    let from = 0;
    for (let line = 0; from < lines.length; line++) {
      const next = ends[line] ?? lines.length;
      if (from > 0 || atLineStart) {
        for (let byte = 0; byte < prefix.length; byte++) this.out[to + byte] = prefix[byte] ?? 0;
        to += prefix.length;
      }
      if (to !== base + from) this.out.copyWithin(to, base + from, base + next);
      to += next - from;
      from = next;
    }
    return to;
  }

  /** Where each line of `lines` ends (after its newline), in an array that is reused. */
  private lineEnds(lines: Buffer): Int32Array {
    let count = 0;
    for (let at = lines.indexOf(NEWLINE); at !== -1; at = lines.indexOf(NEWLINE, at + 1)) {
      if (count === this.ends.length) {
        const grown = new Int32Array(2 * count + 1024);
        grown.set(this.ends);
        this.ends = grown;
      }
      this.ends[count++] = at + 1;
    }
    return this.ends.subarray(0, count);
  }

  /** Grows the reused buffer (keeping its first `used` bytes) to take `more`; returns `used`. */
  private room(used: number, more: number): number {
    if (used + more <= this.out.length) return used;
    const grown = Buffer.allocUnsafe(Math.max(64 * 1024, Math.ceil(1.25 * (used + more))));
    this.out.copy(grown, 0, 0, used);
    this.out = grown;
    return used;
  }
}

/** `lines` ends with a newline; every line gets `prefix` in front, in one new buffer. */
export function prefixLines(lines: Buffer, prefix: Buffer): Buffer {
  return new StepLines().push("", prefix, lines).text;
}
