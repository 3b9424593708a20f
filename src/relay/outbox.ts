import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { OutboundAlarm, UpstreamApi } from "./alarm.js";

/** A queued alarm as stored. */
export interface QueuedAlarm {
  id: number;
  environment: string;
  source: string;
  dedupeKey: string;
  api: UpstreamApi;
  payload: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
}

/** The outbox cannot take more: answered 503 with Retry-After, never dropped silently. */
export class OutboxUnavailableError extends Error {
  readonly status = 503;
}

/** Result of offering alarms to the outbox. */
export interface EnqueueResult {
  accepted: number;
  duplicates: number;
  ids: number[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment TEXT NOT NULL,
  source TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  api TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_by_environment ON outbox (environment, id);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY,
  environment TEXT NOT NULL,
  source TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  api TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  failed_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  error TEXT
);
CREATE TABLE IF NOT EXISTS recent_keys (
  key TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * The relay's durable outbox: a SQLite database (WAL, synchronous=FULL) holding queued alarms,
 * dead letters and the keys of recently accepted alarms. `enqueue` returns only after the
 * transaction is on disk, so an acknowledged alarm survives `kill -9` and power loss; duplicate
 * keys are stored too, so suppression also holds across restarts.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly depths = new Map<string, number>();
  private readonly statements;
  private lastPrune = 0;

  constructor(
    dataDir: string,
    private readonly options: { clock: () => number; dedupeWindowMs: number; queueLimit: number },
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, "relay-outbox.sqlite"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(SCHEMA);
    const db = this.db;
    this.statements = {
      seen: db.prepare<[string], { seen_at: number }>("SELECT seen_at FROM recent_keys WHERE key = ?"),
      remember: db.prepare("INSERT OR REPLACE INTO recent_keys (key, seen_at) VALUES (?, ?)"),
      prune: db.prepare("DELETE FROM recent_keys WHERE seen_at < ?"),
      insert: db.prepare(
        "INSERT INTO outbox (environment, source, dedupe_key, api, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      head: db.prepare<[string, number], Record<string, unknown>>(
        "SELECT * FROM outbox WHERE environment = ? AND id > ? ORDER BY id LIMIT 1",
      ),
      remove: db.prepare("DELETE FROM outbox WHERE id = ?"),
      reschedule: db.prepare(
        "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
      ),
      bury: db.prepare(
        "INSERT INTO dead_letters (id, environment, source, dedupe_key, api, payload, created_at, failed_at, attempts, reason, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      counts: db.prepare<[], { environment: string; n: number }>(
        "SELECT environment, COUNT(*) AS n FROM outbox GROUP BY environment",
      ),
      oldest: db.prepare<[string], { created_at: number }>(
        "SELECT created_at FROM outbox WHERE environment = ? ORDER BY id LIMIT 1",
      ),
      deadCount: db.prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM dead_letters WHERE environment = ?",
      ),
    };
    for (const row of this.statements.counts.all()) this.depths.set(row.environment, row.n);
  }

  /**
   * Stores the alarms that are not duplicates in one durable transaction. Throws
   * {@link OutboxUnavailableError} when the queue is full or the disk fails; then nothing is stored.
   */
  enqueue(environment: string, alarms: OutboundAlarm[]): EnqueueResult {
    const now = this.options.clock();
    const depth = this.depth(environment);
    if (depth + alarms.length > this.options.queueLimit) {
      throw new OutboxUnavailableError(`relay queue for ${environment} is full (${depth} alarms waiting)`);
    }
    const s = this.statements;
    const run = this.db.transaction((): EnqueueResult => {
      const ids: number[] = [];
      let duplicates = 0;
      for (const alarm of alarms) {
        const key = `${environment}\u0000${alarm.dedupeKey}`;
        const seen = s.seen.get(key);
        if (seen && seen.seen_at >= now - this.options.dedupeWindowMs) {
          duplicates++;
          continue;
        }
        s.remember.run(key, now);
        const body = JSON.stringify(alarm.body);
        const info = s.insert.run(environment, alarm.source, alarm.dedupeKey, alarm.api, body, now, now);
        ids.push(Number(info.lastInsertRowid));
      }
      return { accepted: ids.length, duplicates, ids };
    });
    let result: EnqueueResult;
    try {
      result = run();
    } catch (err) {
      throw new OutboxUnavailableError(`relay outbox cannot store alarms: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.depths.set(environment, depth + result.accepted);
    if (now - this.lastPrune > 60_000) this.prune(now);
    return result;
  }

  /**
   * The oldest queued alarm of the environment with an id above `afterId`: deliveries go in
   * acceptance order.
   */
  head(environment: string, afterId = 0): QueuedAlarm | undefined {
    const r = this.statements.head.get(environment, afterId);
    if (!r) return undefined;
    return {
      id: r.id as number,
      environment: r.environment as string,
      source: r.source as string,
      dedupeKey: r.dedupe_key as string,
      api: r.api as UpstreamApi,
      payload: r.payload as string,
      createdAt: r.created_at as number,
      attempts: r.attempts as number,
      nextAttemptAt: r.next_attempt_at as number,
    };
  }

  /** Removes a delivered alarm. */
  markDelivered(a: QueuedAlarm): void {
    this.statements.remove.run(a.id);
    this.depths.set(a.environment, Math.max(0, this.depth(a.environment) - 1));
  }

  /** Records a failed attempt and when to try again. */
  reschedule(a: QueuedAlarm, attempts: number, nextAttemptAt: number, error: string): void {
    this.statements.reschedule.run(attempts, nextAttemptAt, error, a.id);
  }

  /** Moves an alarm that cannot be delivered to the dead-letter table. */
  deadLetter(a: QueuedAlarm, attempts: number, reason: string, error: string): void {
    const s = this.statements;
    this.db.transaction(() => {
      s.bury.run(
        a.id,
        a.environment,
        a.source,
        a.dedupeKey,
        a.api,
        a.payload,
        a.createdAt,
        this.options.clock(),
        attempts,
        reason,
        error,
      );
      s.remove.run(a.id);
    })();
    this.depths.set(a.environment, Math.max(0, this.depth(a.environment) - 1));
  }

  /** Alarms waiting for delivery. */
  depth(environment: string): number {
    return this.depths.get(environment) ?? 0;
  }

  /** Acceptance time of the oldest waiting alarm. */
  oldestCreatedAt(environment: string): number | undefined {
    return this.statements.oldest.get(environment)?.created_at;
  }

  /** Alarms in the dead-letter table. */
  deadLetters(environment: string): number {
    return this.statements.deadCount.get(environment)?.n ?? 0;
  }

  close(): void {
    this.db.close();
  }

  private prune(now: number): void {
    this.statements.prune.run(now - this.options.dedupeWindowMs);
    this.lastPrune = now;
  }
}
