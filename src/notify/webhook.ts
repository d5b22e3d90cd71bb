// A JSON POST of a notification to the configured URL, with a bounded wait.
import type { Notification } from "./notification.js";

export class WebhookError extends Error {
  override readonly name = "WebhookError";
  constructor(message: string, readonly url: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const WEBHOOK_TIMEOUT_MS = 10_000;

export async function postWebhook(url: string, notification: Notification, options: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<void> {
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  let response: Response;
  try {
    response = await send(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "binpkgbot" },
      body: JSON.stringify(notification),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const why = (error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new WebhookError(`webhook ${url}: ${why}; check notify.webhook and that the receiver is up`, url, { cause: error });
  }
  await response.body?.cancel();
  if (!response.ok) throw new WebhookError(`webhook ${url} answered ${response.status} ${response.statusText}; check the receiver's log`, url);
}
