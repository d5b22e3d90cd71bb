// Lines to stdout and stderr that survive a reader going away (`binpkgbot history | head -1`):
// Node ignores SIGPIPE, so a write to a closed pipe fails with EPIPE as an 'error' event, which would
// crash the process with a stack trace. Here it only silences the stream; the command goes on and
// ends with the exit code it would have had.

export interface LineOutput {
  write: (line: string) => void;
  /** True once the reader has gone; nothing more is written. */
  readonly closed: boolean;
}

export function createLineOutput(stream: NodeJS.WritableStream): LineOutput {
  let closed = false;
  // Any error of a standard stream means nobody can read it any more: EPIPE, and the
  // ERR_STREAM_DESTROYED that later writes to the destroyed stream raise.
  stream.on("error", () => {
    closed = true;
  });
  return {
    write: (line) => {
      if (!closed) stream.write(`${line}\n`);
    },
    get closed() {
      return closed;
    },
  };
}
