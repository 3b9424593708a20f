import { listProblems, type ProblemSummary } from "../../dynatrace/problems.js";
import type { QueuedAlarm } from "../outbox-schema.js";
import type { SendDecision } from "../sender.js";
import { VERIFY_AFTER_MS } from "./closer.js";
import { closingComment } from "./intake.js";
import { closedSince, problemsOf, timeoutMargin } from "./matching.js";
import type { EnvironmentLifecycle } from "./context.js";
import { asInfo, type ProblemEvent, problemEvent } from "./superseded.js";
import type { KeptAlert } from "./store.js";

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
export interface SendCheckDeps extends EnvironmentLifecycle {
  timeoutMinutes: number;
  /** Wakes the environment's lifecycle worker (a close was queued). */
  wakeWorker: () => void;
}

/**
 * The check right before a problem-opening event is sent: whether another replica (or a person)
 * closed the alert's problem since it was queued (for a refresh: since this replica's last
 * delivery). A refresh queued before that close (an outage held it in the outbox) is dropped
 * unsent; an agent's own firing queued before it is sent as an info event marked superseded by
 * the resolve (acknowledged alarms are never dropped, and none reopens a resolved alert's
 * problem), whether or not this replica still keeps the alert (its worker may have seen the close
 * first). Either way the replica stops keeping the alert open. One look-up (open and closed
 * problems) serves every check for {@link SEND_CHECK_CACHE_MS}, concurrent checks share it, and a
 * look-up the worker made just before queueing a refresh serves too. A failed look-up sends; an
 * agent's firing of an alert this replica no longer keeps, sent so unchecked, has its problem
 * closed again once delivered ({@link delivered}).
 */
export class SendCheck {
  private seen: ProblemsSeen | undefined;
  /** When the last look-up failed: sends go unchecked until the cache time has passed. */
  private failedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<ProblemsSeen | undefined> | undefined;
  /** Queued alarm ids by what their last check decided (until delivered or refused). */
  private readonly marked = new Map<number, { kind: "superseded" | "unchecked"; event: ProblemEvent }>();

  constructor(private readonly deps: SendCheckDeps) {}

  /** A look-up the worker made (before queueing refreshes): the next sends need not ask again. */
  remember(seen: ProblemsSeen): void {
    this.seen = seen;
  }

  /** Drop (false), send (true) or send as info (see the class). Never throws. */
  async wanted(alarm: QueuedAlarm, isRefresh: boolean): Promise<SendDecision> {
    const { store, environment } = this.deps;
    this.marked.delete(alarm.id);
    const event = problemEvent(alarm.payload);
    if (event === undefined) return !isRefresh || this.keeps(alarm);
    let kept: KeptAlert | undefined;
    try {
      kept = store.alert(environment, alarm.identity);
    } catch {
      return true;
    }
    if (isRefresh && kept === undefined) return false;
    // A kept alert's firing sent within half a minute of being queued needs no look-up: a close
    // after it was queued is then under a minute old, and the closing replica looks again a
    // minute after it.
    if (!isRefresh && kept && this.deps.clock() - alarm.createdAt <= VERIFY_AFTER_MS / 2) return true;
    const timeoutMs = this.deps.timeoutMinutes * 60_000;
    const seen = await this.lookup((kept?.lastSentAt ?? alarm.createdAt) - timeoutMargin(timeoutMs));
    if (seen === undefined) {
      if (!isRefresh && kept === undefined) this.marked.set(alarm.id, { kind: "unchecked", event });
      return true;
    }
    if (!this.superseded(seen, alarm, event, kept, isRefresh)) return true;
    if (kept) this.stop(kept);
    if (isRefresh) return false;
    this.marked.set(alarm.id, { kind: "superseded", event });
    return asInfo(event);
  }

  /**
   * Whether a close the look-up saw supersedes the send: no problem of the alert is open, and one
   * was closed since the kept alert's last delivery (not by timeout), and, for an agent's firing,
   * after the firing was queued (an earlier close is of an earlier firing: this one fires again).
   */
  private superseded(
    seen: ProblemsSeen,
    alarm: QueuedAlarm,
    event: ProblemEvent,
    kept: KeptAlert | undefined,
    isRefresh: boolean,
  ): boolean {
    const key = kept?.key ?? event.key;
    const correlationIds = this.deps.store.correlationIds(this.deps.environment, key);
    const ref = { key, title: kept?.title ?? event.title, correlationIds };
    if (problemsOf(seen.open, ref).length > 0) return false;
    const closed = isRefresh
      ? seen.closed
      : seen.closed.filter((p) => p.endTime !== undefined && p.endTime > alarm.createdAt);
    if (kept) return closedSince(closed, ref, kept.lastSentAt, this.deps.timeoutMinutes * 60_000);
    return problemsOf(closed, ref).length > 0;
  }

  /**
   * After a delivery: counts and logs a superseded firing sent as info, and queues the close
   * again of a problem an unchecked firing of an alert no longer kept here may have reopened.
   */
  delivered(alarm: QueuedAlarm): void {
    const mark = this.marked.get(alarm.id);
    if (mark === undefined) return;
    this.marked.delete(alarm.id);
    const { store, environment, metrics, logger } = this.deps;
    if (mark.kind === "superseded") {
      metrics.superseded.inc({ environment });
      logger.info(
        { environment, id: alarm.id, alert: mark.event.title },
        "relay sent an alert's firing as an info event: its problem was closed (resolved) after the firing was queued",
      );
    } else if (store.alert(environment, alarm.identity) === undefined) {
      this.closeAgain(alarm.identity, mark.event.key, mark.event.title);
    }
  }

  /** An alarm Dynatrace refused (dead-lettered): nothing to remember about it. */
  refused(alarm: QueuedAlarm): void {
    this.marked.delete(alarm.id);
  }

  private keeps(alarm: QueuedAlarm): boolean {
    try {
      return this.deps.store.alert(this.deps.environment, alarm.identity) !== undefined;
    } catch {
      return true;
    }
  }

  private stop(kept: KeptAlert): void {
    const { store, environment, metrics, logger } = this.deps;
    try {
      store.forget(environment, kept.key);
      metrics.stoppedElsewhere.inc({ environment });
      logger.info(
        { environment, alert: kept.title },
        "relay stopped refreshing an alert whose problem was closed elsewhere before its queued send",
      );
    } catch (err) {
      logger.debug({ environment, err: (err as Error).message }, "relay could not stop keeping an alert");
    }
  }

  private closeAgain(identity: string, key: string, title: string): void {
    const { store, environment, logger, clock } = this.deps;
    const now = clock();
    store.resolve({
      environment,
      key,
      identity,
      title,
      message: closingComment({ title, key }),
      createdAt: now,
      nextAttemptAt: now,
    });
    this.deps.wakeWorker();
    logger.info(
      { environment, alert: title },
      "relay closes again the problem of an alert it no longer keeps open: its firing was sent without a look-up",
    );
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
