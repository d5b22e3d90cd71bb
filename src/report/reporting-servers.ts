// Which servers may report to this build host, read from the config's `servers:` entries with
// `report: true` and a `token_file`. The section itself (its schema, its validation and the
// resolution of token_file against the config's directory) belongs to the config; this reads
// only the three fields it needs through a minimal type, so it does not depend on the rest.
import path from "node:path";

export interface ReportingServer {
  name: string;
  /** Absolute path of the file holding the server's bearer token. */
  tokenFile: string;
}

/** The part of a server entry this needs; `token_file` as the YAML spells it, `tokenFile` once normalised. */
interface ServerEntryLike {
  name?: unknown;
  report?: unknown;
  tokenFile?: unknown;
  token_file?: unknown;
}

/** Server names as they appear in `/report/NAME`: a host name or a short label, never a path. */
export const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function reportingServers(config: { stateDir: string; servers?: readonly ServerEntryLike[] | undefined }): ReportingServer[] {
  const found: ReportingServer[] = [];
  for (const entry of config.servers ?? []) {
    const tokenFile = entry.tokenFile ?? entry.token_file;
    if (entry.report !== true || typeof entry.name !== "string" || typeof tokenFile !== "string") continue;
    if (!SERVER_NAME.test(entry.name)) continue;
    found.push({ name: entry.name, tokenFile });
  }
  return found;
}

/** Where a server's reported copy is read: the link that always points at a complete copy. */
export function serverReportDir(stateDir: string, name: string): string {
  return path.join(stateDir, "servers", name);
}
