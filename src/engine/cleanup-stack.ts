// Everything acquired (a lock, a work directory, a running container) registers its release here at
// once, so a failure, Ctrl-C or SIGTERM unwinds it in reverse order and leaves nothing behind.

export interface Cleanup {
  what: string;
  run: () => Promise<void>;
}

export class CleanupStack {
  private readonly entries: Cleanup[] = [];

  push(what: string, run: () => Promise<void>): void {
    this.entries.push({ what, run });
  }

  /** Runs one registered release early (it will not run again). */
  async release(what: string): Promise<void> {
    const index = this.entries.findLastIndex((entry) => entry.what === what);
    if (index === -1) return;
    const [entry] = this.entries.splice(index, 1);
    await entry?.run();
  }

  /** Releases everything, last in first out; a failing release does not stop the others. */
  async unwind(): Promise<Error[]> {
    const failures: Error[] = [];
    while (this.entries.length > 0) {
      const entry = this.entries.pop();
      if (!entry) break;
      try {
        await entry.run();
      } catch (error) {
        failures.push(new Error(`cleanup of ${entry.what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
    }
    return failures;
  }
}
