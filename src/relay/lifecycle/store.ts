import type Database from "better-sqlite3";
import { migrateLifecycle } from "./schema.js";

/** A firing alert this replica keeps open by refreshing its event. */
export interface KeptAlert {
  environment: string;
  key: string;
  /** Input the alert came from (the outbox's `source` of its refreshes). */
  source: string;
  identity: string;
  title: string;
  /** The v2 ingest body, exactly as sent (refreshes send it again unchanged). */
  body: string;
  firstSentAt: number;
  /**
   * When Dynatrace last accepted the alert's event, on this replica's clock (the time it was first
   * queued, until its first delivery). Never the time a send was queued: an event that waits out
   * an outage in the outbox has not refreshed anything, so a timeout during the outage must still
   * be told from a close ({@link closedSince}).
   */
  lastSentAt: number;
  nextRefreshAt: number;
  checkFailures: number;
}

/** A resolved alert whose problem is still to be found and closed. */
export interface PendingClose {
  environment: string;
  key: string;
  identity: string;
  title: string;
  message: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  /** 1 once closed: a last look-up later closes a problem a racing refresh reopened. */
  verifying: number;
  /** When a look-up first found no problem of the alert (null until then). */
  firstMissedAt: number | null;
}

const ALERT_COLUMNS =
  "environment, alert_key AS key, source, identity, title, body, first_sent_at AS firstSentAt, last_sent_at AS lastSentAt, next_refresh_at AS nextRefreshAt, check_failures AS checkFailures";
const CLOSE_COLUMNS =
  "environment, alert_key AS key, identity, title, message, created_at AS createdAt, attempts, verifying, next_attempt_at AS nextAttemptAt, first_missed_at AS firstMissedAt";

/** Reads and writes of the lifecycle tables; every call is one statement or one transaction. */
export class LifecycleStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    migrateLifecycle(db);
    this.s = {
      upsertAlert: db.prepare(
        `INSERT INTO lifecycle_alerts (environment, alert_key, source, identity, title, body, first_sent_at, last_sent_at, next_refresh_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (environment, alert_key) DO UPDATE SET identity = excluded.identity, title = excluded.title,
           body = excluded.body, next_refresh_at = excluded.next_refresh_at, check_failures = 0`,
      ),
      alert: db.prepare<[string, string], KeptAlert>(
        `SELECT ${ALERT_COLUMNS} FROM lifecycle_alerts WHERE environment = ? AND alert_key = ?`,
      ),
      dueAlerts: db.prepare<[string, number], KeptAlert>(
        `SELECT ${ALERT_COLUMNS} FROM lifecycle_alerts WHERE environment = ? AND next_refresh_at <= ? ORDER BY next_refresh_at LIMIT 1000`,
      ),
      nextRefresh: db.prepare<[string], { t: number | null }>(
        "SELECT MIN(next_refresh_at) AS t FROM lifecycle_alerts WHERE environment = ?",
      ),
      refreshed: db.prepare(
        "UPDATE lifecycle_alerts SET next_refresh_at = ?, check_failures = 0 WHERE environment = ? AND alert_key = ?",
      ),
      delivered: db.prepare(
        "UPDATE lifecycle_alerts SET last_sent_at = MAX(last_sent_at, ?) WHERE environment = ? AND alert_key = ?",
      ),
      postpone: db.prepare(
        "UPDATE lifecycle_alerts SET next_refresh_at = ?, check_failures = check_failures + 1 WHERE environment = ? AND alert_key = ?",
      ),
      dropAlert: db.prepare("DELETE FROM lifecycle_alerts WHERE environment = ? AND alert_key = ?"),
      countAlertsOf: db.prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM lifecycle_alerts WHERE environment = ?",
      ),
      countClosingOf: db.prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM lifecycle_closes WHERE environment = ? AND verifying = 0",
      ),
      countAlerts: db.prepare<[], { environment: string; n: number }>(
        "SELECT environment, COUNT(*) AS n FROM lifecycle_alerts GROUP BY environment",
      ),
      upsertClose: db.prepare(
        `INSERT INTO lifecycle_closes (environment, alert_key, identity, title, message, created_at, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (environment, alert_key) DO UPDATE SET message = excluded.message, verifying = 0, first_missed_at = NULL, next_attempt_at = MIN(lifecycle_closes.next_attempt_at, excluded.next_attempt_at)`,
      ),
      dueCloses: db.prepare<[string, number], PendingClose>(
        `SELECT ${CLOSE_COLUMNS} FROM lifecycle_closes WHERE environment = ? AND next_attempt_at <= ? ORDER BY created_at LIMIT 1000`,
      ),
      nextClose: db.prepare<[string], { t: number | null }>(
        "SELECT MIN(next_attempt_at) AS t FROM lifecycle_closes WHERE environment = ?",
      ),
      retryClose: db.prepare(
        "UPDATE lifecycle_closes SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE environment = ? AND alert_key = ?",
      ),
      missed: db.prepare(
        "UPDATE lifecycle_closes SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, first_missed_at = COALESCE(first_missed_at, ?) WHERE environment = ? AND alert_key = ?",
      ),
      verifyLater: db.prepare(
        "UPDATE lifecycle_closes SET verifying = 1, next_attempt_at = ? WHERE environment = ? AND alert_key = ?",
      ),
      dropClose: db.prepare("DELETE FROM lifecycle_closes WHERE environment = ? AND alert_key = ?"),
      addCorrelation: db.prepare(
        `INSERT INTO lifecycle_correlations (environment, alert_key, correlation_id, seen_at)
         SELECT environment, alert_key, ?, ? FROM lifecycle_alerts WHERE environment = ? AND alert_key = ?
         ON CONFLICT DO UPDATE SET seen_at = excluded.seen_at`,
      ),
      correlations: db.prepare<[string, string], { id: string }>(
        "SELECT correlation_id AS id FROM lifecycle_correlations WHERE environment = ? AND alert_key = ? ORDER BY seen_at DESC LIMIT 20",
      ),
      trimCorrelations: db.prepare(
        `DELETE FROM lifecycle_correlations WHERE environment = @environment AND alert_key = @key AND correlation_id NOT IN
           (SELECT correlation_id FROM lifecycle_correlations WHERE environment = @environment AND alert_key = @key ORDER BY seen_at DESC LIMIT 20)`,
      ),
      dropCorrelations: db.prepare(
        "DELETE FROM lifecycle_correlations WHERE environment = ? AND alert_key = ?",
      ),
      queued: db.prepare<[string, string], { n: number }>(
        "SELECT COUNT(*) AS n FROM outbox WHERE environment = ? AND COALESCE(identity, dedupe_key) = ?",
      ),
    };
  }

  /** Records that a firing alert's event was queued now (first send, repeat or refresh). */
  /**
   * Keeps a firing alert open and books its next refresh, and drops a pending close of it. A new alert's `lastSentAt` is set; an
   * alert kept already keeps its own (a repeat that was sent updates it when delivered; a
   * suppressed duplicate sent nothing).
   */
  keepOpen(a: Omit<KeptAlert, "firstSentAt" | "checkFailures">): void {
    // The alert fires again: a close of its problem still pending here (the resolve before it)
    // would end the problem of this firing, so it is dropped in the same transaction.
    this.db
      .transaction(() => {
        this.s.upsertAlert.run(
          a.environment,
          a.key,
          a.source,
          a.identity,
          a.title,
          a.body,
          a.lastSentAt,
          a.lastSentAt,
          a.nextRefreshAt,
        );
        this.s.dropClose.run(a.environment, a.key);
      })
      .immediate();
  }

  /**
   * Stops keeping an alert open and, in the same transaction, queues the close of its problem:
   * a resolve is on disk before it is acknowledged, and a crash cannot keep one without the other.
   */
  resolve(c: Omit<PendingClose, "attempts" | "verifying" | "firstMissedAt">): void {
    this.db
      .transaction(() => {
        this.s.dropAlert.run(c.environment, c.key);
        this.s.upsertClose.run(
          c.environment,
          c.key,
          c.identity,
          c.title,
          c.message,
          c.createdAt,
          c.nextAttemptAt,
        );
      })
      .immediate();
  }

  /** The alert this replica keeps open under `key`, if any. */
  alert(environment: string, key: string): KeptAlert | undefined {
    return this.s.alert.get(environment, key);
  }

  /** Kept alerts whose refresh is due at `now`, soonest first. */
  dueAlerts(environment: string, now: number): KeptAlert[] {
    return this.s.dueAlerts.all(environment, now);
  }

  /** Closes whose attempt is due at `now`, oldest first. */
  dueCloses(environment: string, now: number): PendingClose[] {
    return this.s.dueCloses.all(environment, now);
  }

  /** The earliest time any work of the environment is due, if there is any. */
  nextDue(environment: string): number | undefined {
    const a = this.s.nextRefresh.get(environment)?.t ?? null;
    const c = this.s.nextClose.get(environment)?.t ?? null;
    const times = [a, c].filter((t): t is number => t !== null);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Records a refresh queued (or skipped, one being still queued): the next is due at `next`. */
  refreshed(environment: string, key: string, next: number): void {
    this.s.refreshed.run(next, environment, key);
  }

  /**
   * Records that Dynatrace accepted the event of the alert kept open under `key` at `now` (a first
   * send, a repeat or a refresh). No-op for an alert not kept open.
   */
  delivered(environment: string, key: string, now: number): void {
    this.s.delivered.run(now, environment, key);
  }

  /** Looks again at `next` after a failed look-up (counted). */
  postpone(environment: string, key: string, next: number): void {
    this.s.postpone.run(next, environment, key);
  }

  /** Stops keeping an alert open (its problem was closed elsewhere). */
  forget(environment: string, key: string): void {
    this.db
      .transaction(() => {
        this.s.dropAlert.run(environment, key);
        this.s.dropCorrelations.run(environment, key);
      })
      .immediate();
  }

  /** Schedules the next attempt of a close. */
  retryClose(c: PendingClose, attempts: number, next: number, error: string): void {
    this.s.retryClose.run(attempts, next, error.slice(0, 500), c.environment, c.key);
  }

  /**
   * A look-up at `now` found no problem of the alert; look again at `next`. The first such miss is
   * kept: the grace for the firing event to show up counts from it.
   */
  missed(c: PendingClose, now: number, next: number, error: string): void {
    this.s.missed.run(next, error, now, c.environment, c.key);
  }

  /** The problem is closed; look once more at `at` for one a racing refresh reopened. */
  verifyLater(c: PendingClose, at: number): void {
    this.s.verifyLater.run(at, c.environment, c.key);
  }

  /** The close is done (closed, nothing to close, or given up); its correlation ids go too. */
  closeDone(c: PendingClose): void {
    this.db
      .transaction(() => {
        this.s.dropClose.run(c.environment, c.key);
        this.s.dropCorrelations.run(c.environment, c.key);
      })
      .immediate();
  }

  /**
   * Records the correlation id Dynatrace gave a delivered event, when it is the event of an alert
   * this replica keeps open (its identity is the alert's key); other deliveries are ignored.
   */
  recordCorrelation(environment: string, identity: string, correlationId: string, now: number): void {
    this.db
      .transaction(() => {
        if (this.s.addCorrelation.run(correlationId, now, environment, identity).changes > 0) {
          this.s.trimCorrelations.run({ environment, key: identity });
        }
      })
      .immediate();
  }

  /** The latest correlation ids of the alert's events delivered by this replica (at most 20). */
  correlationIds(environment: string, key: string): string[] {
    return this.s.correlations.all(environment, key).map((r) => r.id);
  }

  /** Whether the outbox still holds an alarm of this identity (the firing event not yet delivered). */
  queued(environment: string, identity: string): boolean {
    return (this.s.queued.get(environment, identity)?.n ?? 0) > 0;
  }

  /** One environment's firing alerts kept open and resolves whose problem is still to be closed. */
  state(environment: string): { keptOpen: number; closing: number } {
    return {
      keptOpen: this.s.countAlertsOf.get(environment)?.n ?? 0,
      closing: this.s.countClosingOf.get(environment)?.n ?? 0,
    };
  }

  /** Firing alerts kept open, per environment. */
  keptCounts(): Map<string, number> {
    return new Map(this.s.countAlerts.all().map((r) => [r.environment, r.n]));
  }
}
