import { setMaxListeners } from "node:events";
import type { BackoffPolicy } from "../dynatrace/backoff.js";
import type { DynatraceClient } from "../dynatrace/client.js";
import type { Logger } from "../log/logger.js";
import type { RelayMetrics } from "../metrics/relay-metrics.js";
import type { AttemptOutcome } from "./attempt-outcome.js";
import { ConcurrencyLimit } from "./concurrency.js";
import { DeliveryQueue } from "./delivery-queue.js";
import { OutcomeRecorder } from "./outcome-recorder.js";
import { pushOnce } from "./push-attempt.js";
import type { Outbox, QueuedAlarm } from "./outbox.js";
import { UpstreamHealth, type UpstreamStatus } from "./upstream-health.js";
import { Waker } from "./waker.js";

/** Everything a {@link RelaySender} works with. */
export interface SenderDeps {
  environment: string;
  outbox: Outbox;
  client: DynatraceClient;
  metrics: RelayMetrics;
  logger: Logger;
  clock: () => number;
  backoff: BackoffPolicy;
  /** Kept for configuration compatibility: environment-level failures never count (see docs). */
  maxAttempts: number;
  maxAgeMs: number;
  /** Most deliveries in flight at once (RELAY_CONCURRENCY); default 16. */
  concurrency?: number;
  /**
   * Longest one attempt may take, queueing for a connection included (HTTP_TIMEOUT bounds only
   * the gaps); past it the attempt counts as a timeout. Default 60 s.
   */
  attemptTimeoutMs?: number;
  /** Told of each delivery and its v2 correlation id (the problem lifecycle records them). */
  onDelivered?: (alarm: QueuedAlarm, correlationId: string | undefined) => void;
  /**
   * Told of each alarm Dynatrace refused with a verdict (dead-lettered, not retried): the problem
   * lifecycle stops refreshing an alert whose event can never be taken.
   */
  onRefused?: (alarm: QueuedAlarm) => void;
  /**
   * Asked right before each attempt (it may look something up; the attempt waits for it): false
   * drops the alarm unsent, a {@link SendInstead} sends other bytes for it. Dropping is only for
   * sends the relay made up itself (the problem lifecycle's refreshes of an alert no replica
   * should keep open any more); an agent's alarm is never dropped, at most sent as an info event
   * (an agent's firing whose problem was closed after it was queued). A failing check sends.
   */
  stillWanted?: (alarm: QueuedAlarm) => SendDecision | Promise<SendDecision>;
}

/** What to send instead of a queued alarm's payload (the outbox keeps the original). */
export interface SendInstead {
  payload: string;
}

/** The answer of {@link SenderDeps.stillWanted}: send, drop, or send other bytes. */
export type SendDecision = boolean | SendInstead;

/** Longest the sender sleeps without looking at the outbox (rows another process added). */
const IDLE_RECHECK_MS = 5000;
const REBUILD_EVERY_MS = 60_000;
const EXPIRY_SWEEP_EVERY_MS = 1000;

/**
 * Delivers one environment's queued alarms: several at once (up to the concurrency limit, which
 * AIMD adapts to 429s), never two of one identity, each identity's alarms in acceptance order.
 * Environment-level refusals pause the environment and are retried with backoff, one probe at a
 * time, until Dynatrace answers again; only a verdict about the alarm itself, or RELAY_MAX_AGE,
 * dead-letters it. At-least-once: an alarm leaves the outbox only after Dynatrace's documented
 * success answer. No outbox error or upstream answer can stop or spin the loop.
 */
export class RelaySender {
  private stopping = false;
  private running: Promise<void> | undefined;
  private readonly waker = new Waker();
  private readonly abort = new AbortController();
  private readonly queue: DeliveryQueue;
  private readonly limit: ConcurrencyLimit;
  private readonly health: UpstreamHealth;
  private readonly recorder: OutcomeRecorder;
  /** Alarm id to identity of the attempts in flight. */
  private readonly inFlight = new Map<number, string>();
  private readonly attempts = new Set<Promise<void>>();
  private nextDueAt: number | undefined;
  /** The time the last cycle decided with. */
  private cycleAt = 0;
  private lastRebuild = Number.NEGATIVE_INFINITY;
  private lastSweep = 0;
  private outboxPausedUntil = 0;
  private outboxFailing = false;

  constructor(private readonly deps: SenderDeps) {
    const { environment, metrics, logger, outbox } = deps;
    this.queue = new DeliveryQueue(outbox, environment);
    this.limit = new ConcurrencyLimit(deps.concurrency ?? 16);
    // Every attempt in flight listens for the shutdown: not a leak, up to the concurrency limit.
    setMaxListeners(this.limit.max + 10, this.abort.signal);
    this.health = new UpstreamHealth(environment, deps.backoff, logger, (up) =>
      metrics.upstreamUp.set({ environment }, up ? 1 : 0),
    );
    this.recorder = new OutcomeRecorder(deps, this.queue, (err) => this.outboxError(err));
    metrics.upstreamUp.set({ environment }, 1);
    metrics.concurrency.set({ environment }, this.limit.value);
    metrics.inFlight.set({ environment }, 0);
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** New alarms are queued (or an attempt ended): look at the queue without waiting. */
  wake(): void {
    this.waker.wake();
  }

  /** The upstream's state, for the landing page. */
  status(): UpstreamStatus {
    return this.health.status();
  }

  /** Alarms delivered in the last 60 seconds, for the landing page. */
  deliveredLastMinute(): number {
    return this.recorder.delivered.total(this.deps.clock());
  }

  /** Stops starting attempts, lets those in flight finish (at most `graceMs`), keeps the rest queued. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    const timer = setTimeout(() => this.abort.abort(new Error("shutting down")), graceMs);
    await Promise.allSettled([...this.attempts]);
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        if (this.cycle() && this.outboxFailing) {
          this.outboxFailing = false;
          this.deps.logger.info({ environment: this.deps.environment }, "relay outbox readable again");
        }
      } catch (err) {
        this.outboxError(err);
      }
      await this.waker.sleep(this.stopping ? 0 : this.waitMs());
    }
  }

  /**
   * Reads the queue, dead-letters expired alarms, and starts what the limits allow. False when it
   * did not read the outbox (paused after an error, or nothing could start and no timer was due:
   * a wake-up per accepted alarm then costs no query while every slot is busy).
   */
  private cycle(): boolean {
    const now = this.deps.clock();
    this.cycleAt = now;
    this.nextDueAt = undefined;
    if (now < this.outboxPausedUntil) return false;
    const sweep = now - this.lastSweep >= EXPIRY_SWEEP_EVERY_MS;
    const paused = now < this.health.resumeAt;
    const slots = paused ? 0 : (this.health.isUp ? this.limit.value : 1) - this.inFlight.size;
    if (slots <= 0 && !sweep) return false;
    if (now - this.lastRebuild >= REBUILD_EVERY_MS) {
      this.queue.rebuild();
      this.lastRebuild = now;
    } else this.queue.refresh();
    if (sweep) {
      this.recorder.retryPendingWrites();
      this.recorder.expire(now, new Set(this.inFlight.keys()));
      this.lastSweep = now;
    }
    if (slots <= 0) return true;
    const { due, nextDueAt } = this.queue.pick(slots, new Set(this.inFlight.values()), now);
    this.nextDueAt = nextDueAt;
    for (const entry of due) {
      const alarm = this.deps.outbox.get(entry.id);
      if (!alarm) this.queue.settle(entry.id);
      else this.launch(alarm);
    }
    return true;
  }

  /**
   * Until the next alarm is due or a pause ends, measured from the time the cycle decided with
   * (a pause that ended while the cycle ran gives 0, never a full idle period).
   */
  private waitMs(): number {
    const now = this.cycleAt;
    const pauses = [this.health.resumeAt, this.outboxPausedUntil].filter((t) => t > now);
    const until = this.nextDueAt === undefined ? pauses : [...pauses, this.nextDueAt];
    return Math.max(0, Math.min(IDLE_RECHECK_MS, ...until.map((t) => t - now)));
  }

  private launch(alarm: QueuedAlarm): void {
    const { metrics, environment } = this.deps;
    this.inFlight.set(alarm.id, alarm.identity);
    metrics.inFlight.set({ environment }, this.inFlight.size);
    const ticket = this.limit.begin();
    const attempt = this.attempt(alarm, ticket)
      .catch((err: unknown) => {
        this.deps.logger.error(
          { environment, id: alarm.id, err },
          "relay delivery attempt failed unexpectedly",
        );
      })
      .finally(() => {
        this.inFlight.delete(alarm.id);
        metrics.inFlight.set({ environment }, this.inFlight.size);
        this.attempts.delete(attempt);
        this.wake();
      });
    this.attempts.add(attempt);
  }

  private async attempt(queued: QueuedAlarm, ticket: number): Promise<void> {
    const decision = await this.wanted(queued);
    if (decision === false) {
      this.recorder.discard(queued);
      return;
    }
    const alarm = decision === true ? queued : { ...queued, payload: decision.payload };
    const deadline = this.deps.attemptTimeoutMs ?? 60_000;
    const outcome = await pushOnce(this.deps.client, alarm, this.abort.signal, deadline);
    this.adapt(outcome, ticket);
    this.recorder.record(alarm, outcome);
  }

  private async wanted(alarm: QueuedAlarm): Promise<SendDecision> {
    try {
      return (await this.deps.stillWanted?.(alarm)) ?? true;
    } catch {
      return true;
    }
  }

  /** Feeds an outcome to the upstream state and the concurrency limit. */
  private adapt(outcome: AttemptOutcome, ticket: number): void {
    const { metrics, environment, clock } = this.deps;
    const now = clock();
    if (outcome.kind === "delivered" || outcome.kind === "rejected") {
      this.limit.succeeded();
      // After an outage, alarms that wait for their own retry delay may go now.
      if (this.health.reached(now)) this.recorder.release(now);
    } else if (outcome.kind === "refused") {
      if (outcome.reason === "rate_limited") this.limit.throttled(ticket);
      this.health.refused(now, outcome.reason, outcome.message, outcome.retryAfterMs);
    }
    metrics.concurrency.set({ environment }, this.limit.value);
  }

  /** An outbox read or write failed: pause this environment, say so once, count every one. */
  private outboxError(err: unknown): void {
    const { environment, metrics, logger, clock } = this.deps;
    metrics.outboxErrors.inc({ environment });
    this.outboxPausedUntil = clock() + IDLE_RECHECK_MS;
    // What the file holds may have changed under the error (restored, rebuilt): re-read it all.
    this.lastRebuild = Number.NEGATIVE_INFINITY;
    if (this.outboxFailing) return;
    this.outboxFailing = true;
    logger.error(
      { environment, err },
      "relay outbox cannot be read or written; delivery for this environment paused, retrying every 5 s",
    );
  }
}
