import { backoffDelay, type BackoffPolicy } from "../dynatrace/backoff.js";
import type { Logger } from "../log/logger.js";
import type { RelayMetrics } from "../metrics/relay-metrics.js";
import type { AttemptOutcome } from "./attempt-outcome.js";
import type { DeliveryQueue } from "./delivery-queue.js";
import type { Outbox, QueuedAlarm } from "./outbox.js";
import { RecentCount } from "./recent-count.js";

/** What an {@link OutcomeRecorder} writes to and counts with. */
export interface RecorderDeps {
  environment: string;
  outbox: Outbox;
  metrics: RelayMetrics;
  logger: Logger;
  clock: () => number;
  backoff: BackoffPolicy;
  maxAgeMs: number;
  /** Told of each delivery and its v2 correlation id (the problem lifecycle records them). */
  onDelivered?: (alarm: QueuedAlarm, correlationId: string | undefined) => void;
  /**
   * Told of each alarm Dynatrace refused with a verdict (dead-lettered, not retried): the problem
   * lifecycle stops refreshing an alert whose event can never be taken.
   */
  onRefused?: (alarm: QueuedAlarm) => void;
}

interface Burial {
  alarm: QueuedAlarm;
  attempts: number;
  reason: string;
  error: string;
}

/**
 * Writes what attempts established to the outbox and the metrics. A write that fails is reported
 * through `onError` and never repeats the attempt: the alarm is settled in memory at once (never
 * picked again by this process), and a failed dead-letter write is retried on the next cycle.
 */
export class OutcomeRecorder {
  private readonly burials = new Map<number, Burial>();
  /** Deliveries of the last minute, for the landing page. */
  readonly delivered = new RecentCount();

  constructor(
    private readonly deps: RecorderDeps,
    private readonly queue: DeliveryQueue,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Records one attempt's outcome. Never throws. */
  record(alarm: QueuedAlarm, outcome: AttemptOutcome): void {
    const { metrics, environment, clock, logger } = this.deps;
    const attempts = alarm.attempts + 1;
    if (outcome.kind === "delivered") {
      this.queue.settle(alarm.id);
      this.write(() => this.deps.outbox.markDelivered(alarm));
      metrics.delivered.inc({ environment });
      this.delivered.add(clock());
      metrics.deliveryDuration.observe({ environment }, Math.max(0, clock() - alarm.createdAt) / 1000);
      logger.debug({ environment, id: alarm.id, attempts }, "alarm delivered");
      this.write(() => this.deps.onDelivered?.(alarm, outcome.correlationId));
    } else if (outcome.kind === "rejected") {
      metrics.failure(environment, outcome.reason);
      this.bury({ alarm, attempts, reason: outcome.reason, error: outcome.message });
      this.write(() => this.deps.onRefused?.(alarm));
    } else if (outcome.kind === "refused") {
      metrics.failure(environment, outcome.reason);
      const next = clock() + backoffDelay(this.deps.backoff, attempts);
      this.queue.reschedule(alarm.id, next);
      this.write(() => this.deps.outbox.reschedule(alarm, attempts, next, outcome.message));
      logger.debug(
        { environment, id: alarm.id, attempts, reason: outcome.reason },
        `alarm delivery refused, will retry: ${outcome.message}`,
      );
    }
  }

  /** Removes a queued alarm that is no longer wanted (see `stillWanted`), unsent. Never throws. */
  discard(alarm: QueuedAlarm): void {
    this.queue.settle(alarm.id);
    this.write(() => this.deps.outbox.markDelivered(alarm));
    this.deps.logger.debug(
      { environment: this.deps.environment, id: alarm.id },
      "relay dropped a queued send that is no longer wanted",
    );
  }

  /** Dead-letters (reason `expired`) waiting alarms older than RELAY_MAX_AGE, except `busy` ones. */
  expire(now: number, busy: ReadonlySet<number>): void {
    for (const entry of this.queue.olderThan(now - this.deps.maxAgeMs, busy)) {
      const alarm = this.deps.outbox.get(entry.id);
      if (!alarm) {
        this.queue.settle(entry.id);
        continue;
      }
      const age = Math.round((now - alarm.createdAt) / 1000);
      this.bury({
        alarm,
        attempts: alarm.attempts,
        reason: "expired",
        error: `not delivered within RELAY_MAX_AGE (${age} s old, ${alarm.attempts} attempts)`,
      });
    }
  }

  /** Makes every alarm of the environment that waits for its own retry delay due now. */
  release(now: number): void {
    this.queue.release(now);
    this.write(() => this.deps.outbox.release(this.deps.environment, now));
  }

  /** Dead-letter writes that failed before: tried again. Throws if the outbox still fails. */
  retryPendingWrites(): void {
    for (const [id, b] of this.burials) {
      this.deps.outbox.deadLetter(b.alarm, b.attempts, b.reason, b.error);
      this.burials.delete(id);
    }
  }

  private bury(b: Burial): void {
    const { metrics, environment, logger } = this.deps;
    this.queue.settle(b.alarm.id);
    metrics.deadLetters.inc({ environment });
    logger.error(
      { environment, id: b.alarm.id, attempts: b.attempts, reason: b.reason },
      `alarm dead-lettered: ${b.error}`,
    );
    this.burials.set(b.alarm.id, b);
    this.write(() => this.retryPendingWrites());
  }

  private write(op: () => void): void {
    try {
      op();
    } catch (err) {
      this.onError(err);
    }
  }
}
