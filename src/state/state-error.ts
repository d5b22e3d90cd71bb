// The one error type of the state database; the message names the file (where known) and the fix.
export class StateDatabaseError extends Error {
  override readonly name = "StateDatabaseError";
  constructor(message: string, readonly file?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
