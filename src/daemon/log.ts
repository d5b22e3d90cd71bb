// The daemon's log: one line per event on stderr. Under systemd (JOURNAL_STREAM set) each text line
// starts with an sd-daemon(3) priority prefix (<6> info, <4> warning, <3> error) that journald turns
// into the entry's priority; elsewhere with "info:", "warning:", "error:". --log-format json prints
// one JSON object per line instead.

export type LogLevel = "info" | "warning" | "error";
export type LogFormat = "text" | "json";
export type LogFields = Record<string, string | number | boolean | null>;

export interface Logger {
  info(event: string, message: string, fields?: LogFields): void;
  warning(event: string, message: string, fields?: LogFields): void;
  error(event: string, message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format: LogFormat;
  /** stderr is connected to the journal (sd-daemon(3) prefixes). */
  journal: boolean;
  write: (line: string) => void;
  now: () => Date;
}

const JOURNAL_PREFIX: Record<LogLevel, string> = { info: "<6>", warning: "<4>", error: "<3>" };

export function renderLogLine(level: LogLevel, event: string, message: string, fields: LogFields, options: Pick<LoggerOptions, "format" | "journal"> & { time: Date }): string {
  if (options.format === "json") {
    return JSON.stringify({ time: options.time.toISOString(), level, event, message, fields });
  }
  // One event, one line: a message with a newline would become several journal entries.
  const flat = message.replace(/\r?\n/g, " ⏎ ");
  return `${options.journal ? JOURNAL_PREFIX[level] : `${level}: `}${flat}`;
}

export function createLogger(options: LoggerOptions): Logger {
  const log = (level: LogLevel) => (event: string, message: string, fields: LogFields = {}): void => {
    options.write(renderLogLine(level, event, message, fields, { ...options, time: options.now() }));
  };
  return { info: log("info"), warning: log("warning"), error: log("error") };
}

/** JOURNAL_STREAM is set by systemd when stderr goes to the journal (systemd.exec(5)). */
export function isJournalStream(env: NodeJS.ProcessEnv): boolean {
  return typeof env.JOURNAL_STREAM === "string" && env.JOURNAL_STREAM !== "";
}
