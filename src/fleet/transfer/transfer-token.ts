// The bearer token of the transfers between coordinator and workers: one secret in a file on each
// side, readable by its owner only, compared in constant time (report-token.ts).
import { stat } from "node:fs/promises";
import type http from "node:http";
import { readTokenFile, TokenFileError, tokensMatch } from "../../report/report-token.js";

export async function readTransferToken(file: string): Promise<string> {
  const token = await readTokenFile(file);
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    throw new TokenFileError(`token file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): whoever reads it can push stages and binpkgs; chmod 600 ${file}`);
  }
  return token;
}

export function isAuthorized(req: http.IncomingMessage, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return tokensMatch(bearer?.[1] ?? "", token);
}
