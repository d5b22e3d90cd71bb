// Who may do what on the dashboard. Reading is open on localhost; beyond it, and for every action,
// the request carries the token of dashboard.token_file, as a bearer token (scripts, Prometheus) or
// as the cookie a browser gets from POST /api/login. An action also carries a CSRF token (header
// x-csrf-token), derived from the token by HMAC, that a page of another site cannot read: the cookie
// alone, which a browser sends with a forged cross-site form, is never enough.
import { createHmac, timingSafeEqual } from "node:crypto";
import type http from "node:http";

export const TOKEN_COOKIE = "binpkgbot_dashboard";

export interface Auth {
  /** null: no token_file, so no actions, and no listening beyond localhost. */
  token: string | null;
  /** Reading needs the token too (the server listens beyond localhost). */
  readNeedsToken: boolean;
}

export function csrfTokenOf(token: string): string {
  return createHmac("sha256", token).update("binpkgbot dashboard csrf").digest("base64url");
}

/** Compares in constant time, so that the answer's timing tells nothing of the secret. */
export function sameSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function presentedToken(req: http.IncomingMessage): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (bearer) return bearer[1];
  return cookieValue(req.headers.cookie ?? "", TOKEN_COOKIE);
}

export function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

export function isAuthenticated(req: http.IncomingMessage, auth: Auth): boolean {
  return auth.token !== null && sameSecret(presentedToken(req), auth.token);
}

/** The cookie a browser keeps after logging in: never sent by another site's page (SameSite=Strict), never read by scripts. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
