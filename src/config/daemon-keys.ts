// The keys only `binpkgbot daemon` reads (schedule, notify, status_listen), checked and normalised. Pure.
import { parseListenAddress } from "../binhost/listen-address.js";
import { parseSchedule } from "../daemon/schedule.js";
import type { DaemonSettings, ListenAddress, NotifySettings } from "./config.js";
import type { ConfigIssue, PathSegment } from "./issues.js";
import type { Infer } from "./schema-kit.js";
import type { configSchema } from "./schema.js";

type DaemonKeys = Pick<NonNullable<Infer<typeof configSchema>>, "schedule" | "notify" | "status_listen">;

/** schedule, notify and status_listen: what `binpkgbot daemon` reads. */
export function normalizeDaemonKeys(raw: DaemonKeys, report: (issue: Omit<ConfigIssue, "file">) => void): DaemonSettings {
  const issue = (key: PathSegment[], message: string, hint: string): void => report({ path: key, message, hint });
  const parsed = parseSchedule(raw.schedule);
  if (!parsed.ok) issue(["schedule"], parsed.message, parsed.hint);
  const notify: NotifySettings = { webhook: raw.notify?.webhook ?? null, mail: null };
  if (notify.webhook !== null && !/^https?:$/.test(URL.canParse(notify.webhook) ? new URL(notify.webhook).protocol : "")) {
    issue(["notify", "webhook"], `'${notify.webhook}' is not an http(s) URL`, "e.g. https://hooks.example.org/binpkgbot");
  }
  const mail = raw.notify?.mail;
  if (mail) {
    notify.mail = { to: mail.to, from: mail.from ?? null, sendmail: mail.sendmail };
    for (const key of ["to", "from"] as const) {
      const value = mail[key];
      // The addresses become mail headers: a line break would let the config write more headers.
      if (value !== undefined && (value.trim() === "" || /[\r\n]/.test(value))) issue(["notify", "mail", key], `'${value}' is not a mail address`, "one line, e.g. root@localhost");
    }
    if (!mail.sendmail.startsWith("/")) issue(["notify", "mail", "sendmail"], `'${mail.sendmail}' must be an absolute path`, "e.g. /usr/sbin/sendmail");
  }
  return {
    schedule: parsed.ok ? parsed.schedule : { kind: "interval", text: raw.schedule, ms: 3_600_000 },
    notify,
    statusListen: parseListen(raw.status_listen, (message, hint) => issue(["status_listen"], message, hint)),
  };
}

/** The parser `binpkgbot serve --listen` uses, so that a host name never reaches a DNS lookup unchecked. */
function parseListen(value: string | boolean, issue: (message: string, hint: string) => void): ListenAddress | null {
  if (value === false) return null;
  const parsed = typeof value === "string" ? parseListenAddress(value) : undefined;
  if (!parsed?.ok) {
    issue(`'${String(value)}' is not HOST:PORT${parsed ? `: ${parsed.reason}` : ""}`, "e.g. 127.0.0.1:8735 or [::1]:8735; false turns the status server off");
    return null;
  }
  return parsed.value;
}
