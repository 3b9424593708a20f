import type { BackoffPolicy } from "../dynatrace/backoff.js";
import { backoffDelay } from "../dynatrace/backoff.js";
import type { DynatraceClient } from "../dynatrace/client.js";
import { DynatraceError, DynatraceHttpError } from "../dynatrace/errors.js";
import type { Logger } from "../log/logger.js";
import type { RelayMetrics } from "../metrics/relay-metrics.js";
import type { Outbox, QueuedAlarm } from "./outbox.js";

/** Everything a {@link RelaySender} works with. */
export interface SenderDeps {
  environment: string;
  outbox: Outbox;
  client: DynatraceClient;
  metrics: RelayMetrics;
  logger: Logger;
  clock: () => number;
  backoff: BackoffPolicy;
  maxAttempts: number;
  maxAgeMs: number;
}

/** Endpoint names and paths of the two push APIs, as `dynatrace_api_requests_total` names them. */
const UPSTREAM = {
  v1: { endpoint: "v1_push", path: "/api/v1/events" },
  v2: { endpoint: "v2_ingest", path: "/api/v2/events/ingest" },
} as const;

/**
 * Delivers one environment's queued alarms to `POST /api/v1/events`, one at a time in acceptance
 * order (a failing head blocks the rest, so order per source holds). 429, 5xx and network errors
 * are retried with backoff (or the server's Retry-After); other 4xx, RELAY_MAX_ATTEMPTS or
 * RELAY_MAX_AGE move the alarm to the dead-letter table. Delivery is at-least-once: an alarm leaves
 * the outbox only after Dynatrace answered 2xx.
 */
export class RelaySender {
  private stopping = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly abort = new AbortController();
  /**
   * Id of the last alarm delivered or dead-lettered by this process. Removals are written later
   * (and a full disk delays them), so the next head is looked up after this id: a delivered
   * alarm is never sent again by this process.
   */
  private lastDone = 0;

  constructor(private readonly deps: SenderDeps) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** New alarms are queued: deliver without waiting for the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Lets the delivery in flight finish (at most `graceMs`), keeps the rest queued. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    this.wake();
    const timer = setTimeout(() => this.abort.abort(new Error("shutting down")), graceMs);
    await this.running;
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    const { outbox, environment, clock } = this.deps;
    while (!this.stopping) {
      const head = outbox.head(environment, this.lastDone);
      if (!head) {
        await this.idle(60_000);
        continue;
      }
      const wait = head.nextAttemptAt - clock();
      if (wait > 0) {
        await this.idle(wait);
        continue;
      }
      try {
        await this.deliver(head);
      } catch (err) {
        // The loop must outlive anything (a disk error, a bug): log, pause, and carry on.
        this.deps.logger.error({ environment, err }, "relay sender error; retrying in 5 s");
        await this.idle(5000);
      }
    }
  }

  private remove(a: QueuedAlarm): void {
    this.deps.outbox.markDelivered(a);
    this.lastDone = a.id;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async deliver(a: QueuedAlarm): Promise<void> {
    const { client, outbox, metrics, environment, clock, logger } = this.deps;
    const attempts = a.attempts + 1;
    try {
      const target = UPSTREAM[a.api];
      const answer = await client.postJson(target.endpoint, target.path, a.payload, this.abort.signal);
      const rejected = a.api === "v2" ? rejectedItems(answer) : [];
      if (rejected.length > 0) {
        // A 201 can carry failed items; retrying the same body cannot fix them.
        metrics.failures.inc({ environment, reason: "item_rejected" });
        outbox.deadLetter(a, attempts, "item_rejected", `ingest item status ${rejected.join(", ")}`);
        metrics.deadLetters.inc({ environment });
        logger.error(
          { environment, id: a.id, statuses: rejected },
          "alarm dead-lettered: Dynatrace rejected the ingest item",
        );
        return;
      }
      this.remove(a);
      metrics.delivered.inc({ environment });
      metrics.deliveryDuration.observe({ environment }, Math.max(0, clock() - a.createdAt) / 1000);
      logger.debug({ environment, id: a.id, attempts }, "alarm delivered");
    } catch (err) {
      if (!(err instanceof DynatraceError)) throw err;
      if (err.reason === "aborted") return;
      metrics.failure(environment, err.reason);
      const now = clock();
      const expired = attempts >= this.deps.maxAttempts || now - a.createdAt >= this.deps.maxAgeMs;
      if (!err.retryable || expired) {
        outbox.deadLetter(a, attempts, err.reason, err.message);
        metrics.deadLetters.inc({ environment });
        logger.error(
          { environment, id: a.id, attempts, reason: err.reason },
          `alarm dead-lettered: ${err.message}`,
        );
        return;
      }
      const serverWait = err instanceof DynatraceHttpError ? (err.retryAfterMs ?? 0) : 0;
      const next = now + Math.max(backoffDelay(this.deps.backoff, attempts), serverWait);
      outbox.reschedule(a, attempts, next, err.message);
      logger.warn(
        { environment, id: a.id, attempts, reason: err.reason },
        `alarm delivery failed, will retry: ${err.message}`,
      );
    }
  }
}

/** Statuses other than OK in a v2 ingest answer (`eventIngestResults[].status`). */
function rejectedItems(answer: unknown): string[] {
  const results = (answer as { eventIngestResults?: unknown } | undefined)?.eventIngestResults;
  if (!Array.isArray(results)) return [];
  return results
    .map((r) => (r as { status?: unknown }).status)
    .filter((status) => status !== "OK")
    .map((status) => String(status));
}
