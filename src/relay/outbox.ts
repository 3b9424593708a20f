import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { createLogger, type Logger } from "../log/logger.js";
import type { OutboundAlarm, UpstreamApi } from "./alarm.js";
import { Checkpointer } from "./checkpointer.js";
import { DeadLetterTable } from "./dead-letters.js";
import { guardStatements } from "./outbox-errors.js";
import { MARKER_FILE, type OutboxOpenReport, openOutboxDatabase } from "./outbox-open.js";
import { OutboxWatch } from "./outbox-watch.js";
import { migrateOutbox } from "./outbox-migrate.js";

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
  /** Ordering identity: the alarm's own, else (rows written before it existed) its dedupe key. */
  identity: string;
}

/** What delivery scheduling needs of a queued alarm, without its body. */
export interface QueueEntry {
  id: number;
  identity: string;
  createdAt: number;
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

interface PendingEnqueue {
  environment: string;
  alarms: OutboundAlarm[];
  resolve: (r: EnqueueResult) => void;
  reject: (err: Error) => void;
}

/**
 * The relay's durable outbox: a SQLite database (WAL, synchronous=FULL) holding queued alarms,
 * dead letters and the keys of recently accepted alarms. `enqueue` resolves only after the
 * transaction is on disk, so an acknowledged alarm survives `kill -9` and power loss; duplicate
 * keys are stored too, so suppression also holds across restarts.
 *
 * Group commit: offers that arrive in the same turn of the event loop are written in one
 * transaction and one fsync, then all answered; under load that turns one fsync per request into
 * one per batch without acknowledging anything before it is on disk.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly depths = new Map<string, number>();
  private readonly statements;
  private lastPrune = 0;
  private pending: PendingEnqueue[] = [];
  /** Ids of delivered alarms whose removal is not yet written. */
  private removals: number[] = [];
  private flushScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private synchronous: "FULL" | "NORMAL" = "FULL";
  private readonly checkpointer: Checkpointer | undefined;
  private closed = false;
  private writableCache: { at: number; result: { ok: true } | { ok: false; reason: string } } | undefined;

  constructor(
    dataDir: string,
    private readonly options: {
      clock: () => number;
      dedupeWindowMs: number;
      queueLimit: number;
      /** Where a damaged or vanished outbox is reported (default: silent). */
      logger?: Logger;
    },
  ) {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, "relay-outbox.sqlite");
    this.logger = options.logger ?? createLogger("silent");
    // A damaged file is moved aside and salvaged here, before anything reads it (outbox-open.ts).
    const opened = openOutboxDatabase(file, {
      logger: this.logger,
      now: options.clock(),
      prepare: (db) => {
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = FULL");
        db.exec(SCHEMA);
        migrateOutbox(db);
      },
    });
    this.db = opened.db;
    this.opened = opened.report;
    this.checkpointer = this.startCheckpointer(file);
    const db = this.db;
    this.statements = {
      // One statement: a new key, or one last seen before the window, is (re)stamped and changes a
      // row; a key seen within the window changes nothing, which marks a duplicate.
      remember: db.prepare(
        "INSERT INTO recent_keys (key, seen_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at WHERE recent_keys.seen_at < ?",
      ),
      prune: db.prepare("DELETE FROM recent_keys WHERE seen_at < ?"),
      insert: db.prepare(
        "INSERT INTO outbox (environment, source, dedupe_key, api, payload, created_at, next_attempt_at, identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      head: db.prepare<[string, number], Record<string, unknown>>(
        "SELECT * FROM outbox WHERE environment = ? AND id > ? ORDER BY id LIMIT 1",
      ),
      entries: db.prepare<[string, number, number], QueueEntry>(
        "SELECT id, COALESCE(identity, dedupe_key) AS identity, created_at AS createdAt, next_attempt_at AS nextAttemptAt FROM outbox WHERE environment = ? AND id > ? ORDER BY id LIMIT ?",
      ),
      byId: db.prepare<[number], Record<string, unknown>>("SELECT * FROM outbox WHERE id = ?"),
      release: db.prepare(
        "UPDATE outbox SET next_attempt_at = ? WHERE environment = ? AND next_attempt_at > ?",
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
    guardStatements(this.statements);
    for (const row of this.statements.counts.all()) this.depths.set(row.environment, row.n);
    this.startWatch(join(dataDir, MARKER_FILE));
  }

  /**
   * Stores the alarms that are not duplicates, durably, together with whatever else was offered in
   * the same turn of the event loop. Rejects with {@link OutboxUnavailableError} when the queue is
   * full or the disk fails; then none of these alarms is stored.
   */
  enqueue(environment: string, alarms: OutboundAlarm[]): Promise<EnqueueResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ environment, alarms, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes every pending offer and removal in one transaction, then answers each offer. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    const removals = this.removals;
    this.pending = [];
    this.removals = [];
    if (batch.length === 0 && removals.length === 0) return;
    const now = this.options.clock();
    const added = new Map<string, number>();
    let outcomes: (EnqueueResult | OutboxUnavailableError)[];
    try {
      // A commit with offers is fsynced before anyone is answered. A commit of removals only is
      // not: in WAL mode it survives a crash of the process, and power loss can at worst bring
      // back an alarm that was delivered (a duplicate), never lose one. The next FULL commit
      // syncs it anyway.
      this.setSynchronous(batch.length > 0 ? "FULL" : "NORMAL");
      outcomes = this.db.transaction(() => {
        for (const id of removals) this.statements.remove.run(id);
        return batch.map((p) => this.store(p, now, added));
      })();
    } catch (err) {
      const failure = new OutboxUnavailableError(
        `relay outbox cannot store alarms: ${(err as Error).message}`,
        { cause: err },
      );
      for (const p of batch) p.reject(failure);
      // Removals wait for the disk to recover; until then the sender skips those alarms by id.
      this.removals = removals.concat(this.removals);
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.flush();
      }, 1000).unref();
      return;
    }
    for (const [environment, n] of added) this.depths.set(environment, this.depth(environment) + n);
    batch.forEach((p, i) => {
      const outcome = outcomes[i] as EnqueueResult | OutboxUnavailableError;
      if (outcome instanceof OutboxUnavailableError) p.reject(outcome);
      else p.resolve(outcome);
    });
    if (now - this.lastPrune > 60_000) this.prune(now);
  }

  /**
   * Hands WAL checkpoints to a worker thread; should the thread fail, this connection takes them
   * back (SQLite's automatic checkpoints), so the WAL never grows without bound.
   */
  private startCheckpointer(file: string): Checkpointer | undefined {
    const takeBack = () => {
      if (!this.closed) this.db.pragma("wal_autocheckpoint = 1000");
    };
    try {
      const c = new Checkpointer(file, { intervalMs: 1000, onError: takeBack, onExit: takeBack });
      this.db.pragma("wal_autocheckpoint = 0");
      return c;
    } catch {
      return undefined;
    }
  }

  private setSynchronous(mode: "FULL" | "NORMAL"): void {
    if (this.synchronous === mode) return;
    this.db.pragma(`synchronous = ${mode}`);
    this.synchronous = mode;
  }

  /** One offer's part of a batch; a full queue refuses this offer only. */
  private store(
    p: PendingEnqueue,
    now: number,
    added: Map<string, number>,
  ): EnqueueResult | OutboxUnavailableError {
    const depth = this.depth(p.environment) + (added.get(p.environment) ?? 0);
    if (depth + p.alarms.length > this.options.queueLimit) {
      return new OutboxUnavailableError(`relay queue for ${p.environment} is full (${depth} alarms waiting)`);
    }
    const s = this.statements;
    const ids: number[] = [];
    let duplicates = 0;
    for (const alarm of p.alarms) {
      const key = `${p.environment}\u0000${alarm.dedupeKey}`;
      if (s.remember.run(key, now, now - this.options.dedupeWindowMs).changes === 0) {
        duplicates++;
        continue;
      }
      const body = JSON.stringify(alarm.body);
      const info = s.insert.run(
        p.environment,
        alarm.source,
        alarm.dedupeKey,
        alarm.api,
        body,
        now,
        now,
        alarm.identity ?? null,
      );
      ids.push(Number(info.lastInsertRowid));
    }
    added.set(p.environment, (added.get(p.environment) ?? 0) + ids.length);
    return { accepted: ids.length, duplicates, ids };
  }

  /**
   * The oldest queued alarm of the environment with an id above `afterId`: deliveries go in
   * acceptance order.
   */
  head(environment: string, afterId = 0): QueuedAlarm | undefined {
    const r = this.statements.head.get(environment, afterId);
    return r ? toQueuedAlarm(r) : undefined;
  }

  /**
   * Up to `limit` queued alarms of the environment with an id above `afterId`, in acceptance
   * order, without their bodies: what the sender schedules by. Throws when the file cannot be read.
   */
  entries(environment: string, afterId: number, limit: number): QueueEntry[] {
    return this.statements.entries.all(environment, afterId, limit);
  }

  /** The queued alarm with this id, body included; undefined once it left the queue. */
  get(id: number): QueuedAlarm | undefined {
    const r = this.statements.byId.get(id);
    return r ? toQueuedAlarm(r) : undefined;
  }

  /** Makes every alarm of the environment that waits for a later retry due at `now`. */
  release(environment: string, now: number): void {
    this.statements.release.run(now, environment, now);
  }

  /**
   * Removes a delivered alarm, written with the next group commit (a removal lost to a crash
   * means one duplicate delivery, never a lost alarm). Callers continue after its id: `head`
   * still returns it until the removal is written.
   */
  markDelivered(a: QueuedAlarm): void {
    this.removals.push(a.id);
    this.depths.set(a.environment, Math.max(0, this.depth(a.environment) - 1));
    this.scheduleFlush();
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

  /**
   * Whether the outbox takes writes now: a one-row write transaction (fsynced like an offer),
   * cached for a second so probes cost nothing. The readiness of the relay role.
   */
  writable(): { ok: true } | { ok: false; reason: string } {
    if (this.closed) return { ok: false, reason: "the outbox is closed" };
    const now = Date.now();
    if (this.writableCache && now - this.writableCache.at < 1000) return this.writableCache.result;
    let result: { ok: true } | { ok: false; reason: string };
    try {
      this.setSynchronous("FULL");
      this.statements.remember.run("\u0000readiness", this.options.clock(), Number.MAX_SAFE_INTEGER);
      result = { ok: true };
    } catch (err) {
      result = { ok: false, reason: `the outbox cannot be written: ${(err as Error).message}` };
    }
    this.writableCache = { at: now, result };
    return result;
  }

  /** Alarms in the dead-letter table. */
  deadLetters(environment: string): number {
    return this.statements.deadCount.get(environment)?.n ?? 0;
  }

  /** Writes what is pending, then closes the database. */
  close(): void {
    clearTimeout(this.retryTimer);
    this.flush();
    this.stopWatch();
    this.closed = true;
    this.db.close();
    void this.checkpointer?.stop();
  }

  private prune(now: number): void {
    this.statements.prune.run(now - this.options.dedupeWindowMs);
    this.lastPrune = now;
  }

  // Durability: dead letters, changes by other processes, the marker file (see outbox-open.ts).

  private readonly logger: Logger;
  /** What opening the file found: damage, salvage, alarms lost. */
  readonly opened: OutboxOpenReport;
  private watcher: OutboxWatch | undefined;
  private readonly externalListeners: (() => void)[] = [];
  private deadLetterTableOf: DeadLetterTable | undefined;

  /** The dead-letter table on this connection (list, show, replay, purge). */
  deadLetterTable(): DeadLetterTable {
    this.deadLetterTableOf ??= new DeadLetterTable(this.db, this.options.clock);
    return this.deadLetterTableOf;
  }

  /** The database connection, for the tables other relay modules own (the problem lifecycle). */
  database(): Database.Database {
    return this.db;
  }

  /** Calls `listener` when another process (the dead-letters CLI) changed the outbox. */
  onExternalChange(listener: () => void): void {
    this.externalListeners.push(listener);
  }

  /**
   * Re-reads the queue depths from the file, less the removals not yet written. Needed after
   * writes that bypass {@link enqueue} (a replay) and after other processes' writes.
   */
  recount(): void {
    const fresh = new Map<string, number>();
    for (const row of this.statements.counts.all()) fresh.set(row.environment, row.n);
    if (this.removals.length > 0) {
      const pending = this.db
        .prepare<[string], { environment: string; n: number }>(
          "SELECT environment, COUNT(*) AS n FROM outbox WHERE id IN (SELECT value FROM json_each(?)) GROUP BY environment",
        )
        .all(JSON.stringify(this.removals));
      for (const p of pending) fresh.set(p.environment, Math.max(0, (fresh.get(p.environment) ?? 0) - p.n));
    }
    this.depths.clear();
    for (const [environment, n] of fresh) this.depths.set(environment, n);
  }

  private startWatch(markerPath: string): void {
    this.watcher = new OutboxWatch({
      db: this.db,
      logger: this.logger,
      markerPath,
      instance: this.opened.instance,
      depths: () => this.depths,
      onExternalChange: () => {
        this.recount();
        for (const listener of this.externalListeners) listener();
      },
    });
  }

  private stopWatch(): void {
    if (!this.closed) this.watcher?.stop();
  }
}

function toQueuedAlarm(r: Record<string, unknown>): QueuedAlarm {
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
    identity: (r.identity as string | null) ?? (r.dedupe_key as string),
  };
}
