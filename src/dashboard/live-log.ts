// A task's output as it arrives, by Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html):
// what the log file holds so far, then each piece appended while the task runs, then `event: end` with
// the result. The engine writes the log file as the container prints, so the daemon and
// `binpkgbot dashboard` (beside a run started by a timer) stream the same way.
//
// One follower per log file polls it, reads each new piece once, encodes it once and hands the same
// frame to every client. What the clients of one follower get together is bounded (512 KiB a second,
// shared among them; more than anyone reads), and so is what a client joining gets of the log so far:
// when the build prints faster, a client gets the latest lines and is told how many bytes it skipped.
// So the daemon, which relays the build's output on the same event loop, writes about as much to 50
// browsers as to one, and a slow browser never holds up the others nor the build. Polling, not
// fs.watch: a build printing fast would wake the event loop on every write of the relay, polling
// four times a second wakes it four times, and a person does not see the difference.
import { open, type FileHandle } from "node:fs/promises";
import type http from "node:http";
import type { DashboardSource } from "./api.js";

export const POLL_MS = 250;
/** What the clients of one follower get together in a second, whatever their number. */
export const FOLLOWER_BYTES_PER_SECOND = 512 * 1024;
/** What one client gets at most, and at least (about 100 lines a second) however many follow. */
export const MAX_CLIENT_BYTES_PER_SECOND = 256 * 1024;
export const MIN_CLIENT_BYTES_PER_SECOND = 8 * 1024;
/** What a client joining a running task gets of the log so far: its end (the completed log has the rest). */
export const CATCH_UP_BYTES = 64 * 1024;
/** A client with more than this waiting on its socket skips pieces until it has drained. */
const MAX_BUFFERED = 256 * 1024;
const WHOLE_CHUNK_BYTES = 256 * 1024;

interface Client {
  res: http.ServerResponse;
  skipped: number;
}

interface Follower {
  offset: number;
  clients: Set<Client>;
  /** Resolves once the task ended and every client got the end. */
  done: Promise<void>;
}

/** A piece of the log read for the clients: its text, where it ends, and the bytes skipped before it. */
interface Piece {
  text: string;
  end: number;
  skipped: number;
}

const followers = new Map<string, Follower>();

type TaskLog = ReturnType<NonNullable<ReturnType<DashboardSource["state"]>>["taskLog"]>;

/** The bytes each client gets per poll when `clients` follow one log: the follower's budget shared, within the bounds. */
export function pieceBytes(clients: number): number {
  const perSecond = Math.min(MAX_CLIENT_BYTES_PER_SECOND, Math.max(MIN_CLIENT_BYTES_PER_SECOND, FOLLOWER_BYTES_PER_SECOND / Math.max(1, clients)));
  return Math.floor((perSecond * POLL_MS) / 1000);
}

/**
 * How many of the `length` bytes are whole UTF-8 characters: a piece read while the log is written
 * may end inside one, whose rest the next piece starts with (RFC 3629 section 3).
 */
export function wholeUtf8Length(bytes: Uint8Array, length: number): number {
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = bytes[length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return size > back ? length - back : length;
  }
  return length;
}

export async function streamLiveLog(req: http.IncomingMessage, res: http.ServerResponse, url: URL, source: DashboardSource): Promise<boolean> {
  const taskId = decodeURIComponent(url.pathname.slice("/live/".length));
  const run = url.searchParams.get("run");
  const find = (): TaskLog => source.state()?.taskLog(taskId, run !== null && /^\d{1,15}$/.test(run) ? Number(run) : undefined) ?? null;
  const first = find();
  if (first === null || taskId === "") return false;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" });
  res.write(`event: task\ndata: ${JSON.stringify({ taskId, runId: first.result.runId, result: first.result.result })}\n\n`);
  const logPath = first.result.logPath;
  const client: Client = { res, skipped: 0 };
  req.on("close", () => followers.get(logPath ?? "")?.clients.delete(client));
  if (logPath === null || first.result.result !== "running") {
    if (logPath !== null) await sendWhole(logPath, res);
    return end(res, first), true;
  }
  const follower = followers.get(logPath) ?? follow(logPath, find);
  await catchUp(logPath, client, follower);
  await follower.done;
  // The task ended while this client caught up, before it joined.
  if (!res.writableEnded) end(res, find());
  return true;
}

/** The end of what the follower has passed, then the client joins it: no byte twice, none missed unnamed. */
async function catchUp(logPath: string, client: Client, follower: Follower): Promise<void> {
  const file = await open(logPath, "r").catch(() => null);
  try {
    let at = 0;
    while (file !== null && at < follower.offset && !client.res.destroyed) {
      const piece = await readPiece(file, at, follower.offset, CATCH_UP_BYTES);
      send(client, piece, frameOf(piece.text));
      at = piece.end;
    }
    // Joined in the same turn as the last check: the follower cannot have passed more meanwhile.
    if (!client.res.destroyed) follower.clients.add(client);
  } finally {
    await file?.close();
  }
}

function follow(logPath: string, find: () => TaskLog): Follower {
  const follower: Follower = { offset: 0, clients: new Set(), done: Promise.resolve() };
  followers.set(logPath, follower);
  follower.done = (async () => {
    const file = await open(logPath, "r").catch(() => null);
    try {
      for (;;) {
        if (file) await relay(file, follower, false);
        const now = find();
        if (now === null || now.result.result !== "running") {
          if (file) await relay(file, follower, true);
          followers.delete(logPath);
          for (const client of follower.clients) end(client.res, now);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } finally {
      await file?.close();
    }
  })();
  return follower;
}

/** One poll: the latest new piece, read and encoded once, to every client with room; `last` keeps no partial character back. */
async function relay(file: FileHandle, follower: Follower, last: boolean): Promise<void> {
  const { size } = await file.stat();
  // With nobody following, nothing is read: the first to come gets the latest piece, from a line's start.
  if (size <= follower.offset || follower.clients.size === 0) return;
  const from = follower.offset;
  const piece = await readPiece(file, from, size, pieceBytes(follower.clients.size), last);
  follower.offset = piece.end;
  const frame = frameOf(piece.text);
  for (const client of follower.clients) {
    if (client.res.writableLength > MAX_BUFFERED) client.skipped += piece.end - from;
    else send(client, piece, frame);
  }
}

/**
 * The latest at most `limit` bytes of [from, to), from a line's start when it skips (a line cut in two
 * reads as garbage), ending before a character cut in two unless `last`.
 */
async function readPiece(file: FileHandle, from: number, to: number, limit: number, last = false): Promise<Piece> {
  const start = Math.max(from, to - limit);
  const buffer = Buffer.alloc(to - start);
  const { bytesRead } = await file.read(buffer, 0, buffer.length, start);
  const newline = start > from ? buffer.subarray(0, bytesRead).indexOf(0x0a) : -1;
  const begin = newline === -1 ? 0 : newline + 1;
  const length = last ? bytesRead : wholeUtf8Length(buffer, bytesRead);
  return { text: buffer.subarray(begin, Math.max(begin, length)).toString("utf8"), end: start + Math.max(begin, length), skipped: start + begin - from };
}

function frameOf(text: string): Buffer {
  return Buffer.from(`data: ${JSON.stringify(text)}\n\n`);
}

/** The piece's frame, after a note of what this client skipped before it (as one write). */
function send(client: Client, piece: Piece, frame: Buffer): void {
  const skipped = client.skipped + piece.skipped;
  client.skipped = 0;
  if (skipped === 0) {
    if (piece.text !== "") client.res.write(frame);
    return;
  }
  const note = frameOf(`\n[${skipped} bytes of the log not shown here: the completed log and binpkgbot log have them]\n`);
  client.res.write(piece.text === "" ? note : Buffer.concat([note, frame]));
}

/** A completed log, paced by the client's socket; no character cut in two between reads. */
async function sendWhole(logPath: string, res: http.ServerResponse): Promise<void> {
  const file = await open(logPath, "r").catch(() => null);
  if (file === null) return;
  try {
    const buffer = Buffer.alloc(WHOLE_CHUNK_BYTES);
    for (let offset = 0; !res.destroyed; ) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) return;
      const length = bytesRead < buffer.length ? bytesRead : wholeUtf8Length(buffer, bytesRead);
      offset += length;
      if (!res.write(frameOf(buffer.subarray(0, length).toString("utf8")))) await drained(res);
    }
  } finally {
    await file.close();
  }
}

/** Resolves when the socket has room again or is gone; leaves no listener behind (one per write piled up). */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function end(res: http.ServerResponse, now: TaskLog): void {
  if (!res.destroyed) res.end(`event: end\ndata: ${JSON.stringify({ result: now?.result.result ?? "unknown", durationMs: now?.result.durationMs ?? null })}\n\n`);
}
