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

/** Endpoint name of v1 pushes in `dynatrace_api_requests_total`. */
export const V1_PUSH_ENDPOINT = "v1_push";

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
      const head = outbox.head(environment);
      if (!head) {
        await this.idle(60_000);
        continue;
      }
      const wait = head.nextAttemptAt - clock();
      if (wait > 0) {
        await this.idle(wait);
        continue;
      }
      await this.deliver(head);
    }
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
      await client.postJson(V1_PUSH_ENDPOINT, "/api/v1/events", a.payload, this.abort.signal);
      outbox.markDelivered(a);
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
