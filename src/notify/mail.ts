// A notification as a mail through the local sendmail: `sendmail -t` reads the recipients from the
// headers of the message on its stdin (sendmail(8)).
import type { MailSettings } from "../config/config.js";
import type { Exec } from "../exec/exec.js";
import { renderFailureLines } from "../failure/render-failure.js";
import { describeNotification, type Notification } from "./notification.js";

export class MailError extends Error {
  override readonly name = "MailError";
  constructor(message: string, readonly sendmail: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function renderMail(notification: Notification, settings: MailSettings): string {
  const summary = describeNotification(notification);
  const headers = [
    `To: ${settings.to}`,
    ...(settings.from ? [`From: ${settings.from}`] : []),
    // A header is one line: a long or multi-line reason stays in the body.
    `Subject: binpkgbot on ${notification.host}: ${summary.split("\n")[0]?.slice(0, 120) ?? ""}`,
    "Content-Type: text/plain; charset=utf-8",
    "Auto-Submitted: auto-generated",
  ];
  const { failure, ...fields } = notification;
  const body = [
    summary,
    // The fix first: it is what the reader acts on; every detail line, as a mail has room.
    ...(failure === null ? [] : renderFailureLines(failure, { indent: "" })),
    "",
    ...Object.entries(fields).map(([key, value]) => `${key}: ${value ?? "-"}`),
    ...(failure === null ? [] : [`failure: ${failure.class}`, ...(failure.packages.length > 0 ? [`packages: ${failure.packages.join(" ")}`] : [])]),
  ];
  return `${headers.join("\n")}\n\n${body.join("\n")}\n`;
}

export async function sendMail(exec: Exec, settings: MailSettings, notification: Notification): Promise<void> {
  const argv = [settings.sendmail, "-t"];
  let result;
  try {
    result = await exec.run(argv, { input: renderMail(notification, settings) });
  } catch (error) {
    throw new MailError(`cannot run ${settings.sendmail}: ${(error as Error).message}; install a sendmail or fix notify.mail.sendmail`, settings.sendmail, { cause: error });
  }
  if (result.code !== 0) {
    const detail = result.stderr.trim().split("\n").at(-1) ?? "";
    throw new MailError(`${argv.join(" ")} failed (exit ${result.code ?? result.signal})${detail ? `: ${detail}` : ""}`, settings.sendmail);
  }
}
