// The shared secret of one reporting server: read from its token_file when a report arrives (so a
// new token needs no restart) and compared in constant time, so the time an answer takes tells
// nothing about how much of a guess was right.
import { createHash, timingSafeEqual } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";

/** Long enough to rule out guessing; a token file holds one line such as `openssl rand -hex 32` prints. */
export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_FILE_BYTES = 4096;

/** The token in a file: its first line, surrounding whitespace removed. */
export function parseToken(text: string): string {
  return (text.split("\n", 1)[0] ?? "").trim();
}

/**
 * Constant-time in the content of both: each side is hashed first, so even a length difference
 * is compared as 32 bytes (timingSafeEqual alone throws on unequal lengths).
 */
export function tokensMatch(presented: string, expected: string): boolean {
  if (expected.length < MIN_TOKEN_LENGTH) return false;
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A token file that cannot be used; the message names the file and the fix. */
export class TokenFileError extends Error {
  override readonly name = "TokenFileError";
}

export async function readTokenFile(file: string): Promise<string> {
  let text: string;
  try {
    // O_NONBLOCK: a FIFO put in its place answers at once instead of holding a thread.
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      checkTokenFileStats(file, await handle.stat());
      text = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw asTokenFileError(file, error);
  }
  return checkToken(file, text);
}

/** The same, for start-up code that cannot wait (the dashboard's token, read once). */
export function readTokenFileSync(file: string): string {
  let text: string;
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      checkTokenFileStats(file, fstatSync(fd));
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw asTokenFileError(file, error);
  }
  return checkToken(file, text);
}

function checkTokenFileStats(file: string, stats: Stats): void {
  if (!stats.isFile()) throw new TokenFileError(`token file ${file} is not a regular file`);
  if (stats.size > MAX_TOKEN_FILE_BYTES) throw new TokenFileError(`token file ${file} is over ${MAX_TOKEN_FILE_BYTES} bytes: it should hold one line, the token`);
}

function asTokenFileError(file: string, error: unknown): TokenFileError {
  if (error instanceof TokenFileError) return error;
  return new TokenFileError(`cannot read token file ${file}: ${(error as Error).message}`, { cause: error });
}

function checkToken(file: string, text: string): string {
  const token = parseToken(text);
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new TokenFileError(`token file ${file} holds ${token.length} characters, at least ${MIN_TOKEN_LENGTH} are needed: write one with openssl rand -hex 32 > ${file}`);
  }
  return token;
}
