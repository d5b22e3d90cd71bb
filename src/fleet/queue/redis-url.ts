// The Redis URL of --redis as ioredis connection options (pure). redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]
// and rediss:// for TLS, as redis-cli -u reads them; a password may come from the environment instead,
// so that it is not on the command line (visible in ps).
export interface RedisOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: { servername: string };
  /** BullMQ's workers block on Redis: ioredis must wait through a reconnect, never give up on a command. */
  maxRetriesPerRequest: null;
}

/** `password`: BINPKGBOT_REDIS_PASSWORD, used where the URL has none. */
export function parseRedisUrl(text: string, password?: string): { options: RedisOptions } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: `--redis ${text} is not a URL: write redis://[USER:PASSWORD@]HOST[:PORT][/DB], or rediss:// for TLS` };
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    return { problem: `--redis ${redact(url)}: the scheme must be redis:// or rediss:// (TLS), not ${url.protocol}//` };
  }
  const db = url.pathname === "" || url.pathname === "/" ? 0 : Number(url.pathname.slice(1));
  if (!Number.isInteger(db) || db < 0) return { problem: `--redis ${redact(url)}: the database ${url.pathname.slice(1)} must be a whole number (e.g. /0)` };
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") return { problem: `--redis ${text}: no host; write redis://HOST:PORT` };
  const options: RedisOptions = { host, port: url.port === "" ? 6379 : Number(url.port), db, maxRetriesPerRequest: null };
  if (url.username !== "") options.username = decodeURIComponent(url.username);
  const secret = url.password !== "" ? decodeURIComponent(url.password) : password;
  if (secret !== undefined && secret !== "") options.password = secret;
  if (url.protocol === "rediss:") options.tls = { servername: host };
  return { options };
}

/** The URL without its password, for messages and status. */
export function redact(url: URL): string {
  if (url.password === "") return url.href;
  const copy = new URL(url.href);
  copy.password = "***";
  return copy.href;
}
