// Sends what a state change calls for to every configured channel. Delivery problems are logged and
// never stop the daemon (its methods never reject); the memory of what was sent is kept in the state directory.
import type { NotifySettings } from "../config/config.js";
import type { Exec } from "../exec/exec.js";
import { sendMail } from "./mail.js";
import { describeNotification, type Notification, type NotificationEvent } from "./notification.js";
import { readNotifyMemory, writeNotifyMemory } from "./notify-state.js";
import { decideCoverageTransitions, decideProblem, decideTaskTransitions, type CoverageSummary, type NotifyMemory, type ProblemKind, type TaskResultSummary } from "./transitions.js";
import { postWebhook } from "./webhook.js";

/** The part of the daemon's logger the notifier uses. */
export interface NotifyLog {
  info(event: string, message: string, fields?: Record<string, string | number | null>): void;
  warning(event: string, message: string, fields?: Record<string, string | number | null>): void;
}

export interface NotifierOptions {
  /** Read at each send, so that a reloaded config takes effect. */
  settings: () => { notify: NotifySettings; stateDir: string };
  exec: Exec;
  fetch?: typeof fetch;
  webhookTimeoutMs?: number;
  log: NotifyLog;
  host: string;
  now: () => Date;
}

export interface Notifier {
  /** Reports tasks that started failing or recovered in this run. */
  taskResults(run: number, results: readonly TaskResultSummary[]): Promise<void>;
  /** Reports a problem of this kind unless it was the last one reported; null: it went away. */
  problem(kind: ProblemKind, reason: string | null): Promise<void>;
  /** Reports servers that became uncovered or covered again in a coverage check. */
  serverCoverage(results: readonly CoverageSummary[]): Promise<void>;
}

export function createNotifier(options: NotifierOptions): Notifier {
  let memory: NotifyMemory | null = null;
  let queue: Promise<void> = Promise.resolve();
  // One change at a time: the memory is read, changed and written in order.
  const serial = (work: (current: NotifyMemory) => Promise<NotifyMemory>): Promise<void> => {
    queue = queue.then(async () => {
      const { stateDir } = options.settings();
      memory ??= await readNotifyMemory(stateDir);
      const next = await work(memory);
      if (JSON.stringify(next) !== JSON.stringify(memory)) await writeNotifyMemory(stateDir, next).catch((error: unknown) => {
        options.log.warning("notify-state", `cannot save what was notified in ${stateDir}: ${(error as Error).message}`);
      });
      memory = next;
    }).catch((error: unknown) => {
      options.log.warning("notify-failed", `notification skipped: ${(error as Error).message}`);
    });
    return queue;
  };
  const make = (event: NotificationEvent, fields: Partial<Notification>): Notification => ({
    event, task: null, run: null, result: null, reason: null, failure: null, ...fields, host: options.host, time: options.now().toISOString(),
  });
  return {
    taskResults: (run, results) => serial(async (current) => {
      const decided = decideTaskTransitions(current, results);
      for (const transition of decided.transitions) await deliver(options, make(transition.event, { ...transition, run }));
      return decided.memory;
    }),
    serverCoverage: (results) => serial(async (current) => {
      const decided = decideCoverageTransitions(current, results);
      for (const { event, server, toCompile } of decided.transitions) {
        await deliver(options, make(event, { server, reason: event === "uncovered" ? `${toCompile} package(s) to compile (binpkgbot coverage ${server} lists them)` : null }));
      }
      return decided.memory;
    }),
    problem: (kind, reason) => serial(async (current) => {
      const decided = decideProblem(current, kind, reason);
      if (decided.notify) await deliver(options, make(kind, { reason }));
      return decided.memory;
    }),
  };
}

async function deliver(options: NotifierOptions, notification: Notification): Promise<void> {
  const { notify } = options.settings();
  const summary = describeNotification(notification);
  const channels: [string, () => Promise<void>][] = [];
  if (notify.webhook !== null) {
    const url = notify.webhook;
    channels.push([`webhook ${url}`, () => postWebhook(url, notification, { fetch: options.fetch, timeoutMs: options.webhookTimeoutMs })]);
  }
  if (notify.mail !== null) {
    const mail = notify.mail;
    channels.push([`mail to ${mail.to}`, () => sendMail(options.exec, mail, notification)]);
  }
  for (const [channel, send] of channels) {
    try {
      await send();
      options.log.info("notify", `notified ${channel}: ${summary}`, { channel, event: notification.event, task: notification.task });
    } catch (error) {
      options.log.warning("notify-failed", `could not notify ${channel}: ${(error as Error).message}`, { channel, event: notification.event });
    }
  }
}
