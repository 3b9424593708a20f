import type { DynatraceClient } from "../../dynatrace/client.js";
import { listProblems, type ProblemSummary } from "../../dynatrace/problems.js";
import type { Logger } from "../../log/logger.js";
import type { LifecycleMetrics } from "../../metrics/lifecycle-metrics.js";
import type { QueuedAlarm } from "../outbox-schema.js";
import { VERIFY_AFTER_MS } from "./closer.js";
import { closingComment } from "./intake.js";
import { closedSince, problemsOf, timeoutMargin } from "./matching.js";
import type { KeptAlert, LifecycleStore } from "./store.js";

/** How long one look-up serves the checks before sends (and the worker's refresh look-up them). */
export const SEND_CHECK_CACHE_MS = 10_000;
/** How far back open problems are looked for: long-firing alerts' problems started long ago. */
export const LOOKUP_SPAN_MS = 30 * 24 * 3600_000;

/** Open problems, and problems closed since `closedFrom`, as one look-up saw them at `at`. */
export interface ProblemsSeen {
  at: number;
  closedFrom: number;
  open: ProblemSummary[];
  closed: ProblemSummary[];
}

/** What one environment's {@link SendCheck} works with. */
export interface SendCheckDeps {
  environment: string;
  store: LifecycleStore;
  client: DynatraceClient;
  metrics: LifecycleMetrics;
  logger: Logger;
  clock: () => number;
  timeoutMinutes: number;
  /** Wakes the environment's lifecycle worker (a close was queued). */
  wakeWorker: () => void;
}

/**
 * The check right before a kept alert's event is sent: whether another replica (or a person)
 * closed the alert's problem since this replica last delivered it. A refresh queued before
 * that close (an outage held it in the outbox) is dropped unsent; an agent's own firing queued
 * before it is sent (acknowledged alarms are never dropped) and its problem closed again at once.
 * Either way the replica stops keeping the alert open. One look-up (open and closed problems)
 * serves every check for {@link SEND_CHECK_CACHE_MS}, concurrent checks share it, and a look-up
 * the worker made just before queueing a refresh serves too; a failed look-up sends.
 */
export class SendCheck {
  private seen: ProblemsSeen | undefined;
  /** When the last look-up failed: sends go unchecked until the cache time has passed. */
  private failedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<ProblemsSeen | undefined> | undefined;

  constructor(private readonly deps: SendCheckDeps) {}

  /** A look-up the worker made (before queueing refreshes): the next sends need not ask again. */
  remember(seen: ProblemsSeen): void {
    this.seen = seen;
  }

  /** False for a send that must not happen (see the class). Never throws. */
  async wanted(alarm: QueuedAlarm, isRefresh: boolean): Promise<boolean> {
    const { store, environment } = this.deps;
    let kept: KeptAlert | undefined;
    try {
      kept = store.alert(environment, alarm.identity);
    } catch {
      return true;
    }
    if (kept === undefined) return !isRefresh;
    // Only the alert's problem-opening event (a refresh, or an agent's firing) can reopen it. A
    // firing sent within half a minute of being queued needs no look-up: a close after it was
    // queued is then under a minute old, and the closing replica looks again a minute after it.
    if (!isRefresh && alarm.payload !== kept.body) return true;
    if (!isRefresh && this.deps.clock() - alarm.createdAt <= VERIFY_AFTER_MS / 2) return true;
    const timeoutMs = this.deps.timeoutMinutes * 60_000;
    const seen = await this.lookup(kept.lastSentAt - timeoutMargin(timeoutMs));
    if (seen === undefined) return true;
    const ref = { ...kept, correlationIds: store.correlationIds(environment, kept.key) };
    // An agent's firing is superseded only by a close after it was queued (an earlier close is
    // of an earlier firing: this one fires again).
    const closed = isRefresh
      ? seen.closed
      : seen.closed.filter((p) => p.endTime !== undefined && p.endTime > alarm.createdAt);
    if (problemsOf(seen.open, ref).length > 0) return true;
    if (!closedSince(closed, ref, kept.lastSentAt, timeoutMs)) return true;
    this.stop(kept, !isRefresh);
    return !isRefresh;
  }

  private stop(kept: KeptAlert, closeAgain: boolean): void {
    const { store, environment, metrics, logger, clock } = this.deps;
    try {
      store.forget(environment, kept.key);
      metrics.stoppedElsewhere.inc({ environment });
      if (closeAgain) {
        const now = clock();
        // The agent's firing goes out; the close (after it has left the outbox) ends it again.
        store.resolve({
          environment,
          key: kept.key,
          identity: kept.identity,
          title: kept.title,
          message: closingComment({ title: kept.title, key: kept.key }),
          createdAt: now,
          nextAttemptAt: now,
        });
        this.deps.wakeWorker();
      }
      logger.info(
        { environment, alert: kept.title },
        "relay stopped refreshing an alert whose problem was closed elsewhere before its queued send",
      );
    } catch (err) {
      logger.debug({ environment, err: (err as Error).message }, "relay could not stop keeping an alert");
    }
  }

  private async lookup(closedFrom: number): Promise<ProblemsSeen | undefined> {
    const now = this.deps.clock();
    const s = this.seen;
    if (s && now - s.at <= SEND_CHECK_CACHE_MS && s.closedFrom <= closedFrom) return s;
    if (now - this.failedAt <= SEND_CHECK_CACHE_MS) return undefined;
    this.pending ??= this.ask(Math.min(closedFrom, s?.closedFrom ?? closedFrom), now).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async ask(closedFrom: number, now: number): Promise<ProblemsSeen | undefined> {
    try {
      const open = await listProblems(this.deps.client, { status: "open", fromMs: now - LOOKUP_SPAN_MS });
      const closed = await listProblems(this.deps.client, { status: "closed", fromMs: closedFrom });
      this.seen = { at: now, closedFrom, open, closed };
      return this.seen;
    } catch (err) {
      this.failedAt = now;
      this.deps.logger.debug(
        { environment: this.deps.environment, err: (err as Error).message },
        "relay could not look up problems before a send; sending",
      );
      return undefined;
    }
  }
}
