import { join } from "node:path";
import type Database from "better-sqlite3";
import { createLogger, type Logger } from "../log/logger.js";
import type { OutboxGauges } from "../metrics/relay-view.js";
import type { OutboundAlarm } from "./alarm.js";
import { type Checkpointer, offloadCheckpoints } from "./checkpointer.js";
import { AlarmStates } from "./alarm-states.js";
import { DataDirLock } from "./data-dir-lock.js";
import { type CountsByEnvironment, DeadLetterTable } from "./dead-letters.js";
import { DedupeWindow } from "./dedupe-window.js";
import { DiskReserve, RESERVE_BYTES } from "./disk-reserve.js";
import { type EnqueueResult, GroupCommit } from "./group-commit.js";
import { OfferWriter } from "./outbox-offers.js";
import { buryOrphans } from "./outbox-orphans.js";
import { MARKER_FILE, type OutboxOpenReport, openOutboxIn } from "./outbox-open.js";
import {
  type OutboxStatements,
  prepareOutboxFile,
  prepareOutboxStatements,
  deadLetterRow,
  type QueuedAlarm,
  type QueueEntry,
  toQueuedAlarm,
} from "./outbox-schema.js";
import { OutboxWatch } from "./outbox-watch.js";
import { QueueDepths } from "./queue-depths.js";
import { type Writable, WritableProbe } from "./writable-probe.js";

export type { EnqueueResult } from "./group-commit.js";
export type { QueuedAlarm, QueueEntry } from "./outbox-schema.js";

/**
 * The relay's durable outbox: a SQLite database (WAL, synchronous=FULL) holding queued alarms,
 * dead letters and the keys of recently accepted alarms. `enqueue` resolves only after the
 * transaction is on disk ({@link GroupCommit}), so an acknowledged alarm survives `kill -9` and
 * power loss; duplicate keys are stored too ({@link DedupeWindow}), so suppression also holds
 * across restarts. Tables: outbox-schema.ts and the steps of outbox-migrate.ts.
 */
export class Outbox implements OutboxGauges {
  private readonly db: Database.Database;
  private readonly depths = new QueueDepths();
  private readonly statements: OutboxStatements;
  private readonly dedupe: DedupeWindow;
  private readonly commits: GroupCommit;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly watcher: OutboxWatch;
  private readonly externalListeners: (() => void)[] = [];
  private deadLetterTableOf: DeadLetterTable | undefined;
  private closed = false;
  private readonly probe: WritableProbe;
  private readonly lock: DataDirLock;
  /** What opening the file found: damage, salvage, alarms lost. */
  readonly opened: OutboxOpenReport;

  constructor(
    dataDir: string,
    private readonly options: {
      clock: () => number;
      dedupeWindowMs: number;
      queueLimit: number;
      /** Where a damaged or vanished outbox is reported (default: silent). */
      logger?: Logger;
      /** The WAL size kept after checkpoints (default WAL_LIMIT_BYTES, checkpointer.ts). */
      walLimitBytes?: number;
    },
  ) {
    const logger = options.logger ?? createLogger("silent");
    // First the directory's lock: a second exporter here would send every alarm twice.
    this.lock = DataDirLock.acquire(dataDir, options.clock());
    const reserve = new DiskReserve(dataDir);
    reserve.makeRoomToOpen();
    let opened: ReturnType<typeof openOutboxIn>;
    try {
      // A damaged file is moved aside and salvaged here, before anything reads it (outbox-open.ts).
      opened = openOutboxIn(dataDir, { logger, now: options.clock(), prepare: prepareOutboxFile });
    } catch (err) {
      this.lock.release();
      throw err;
    }
    this.db = opened.db;
    this.opened = opened.report;
    this.checkpointer = offloadCheckpoints(this.db, opened.file, () => this.closed, options.walLimitBytes);
    this.statements = prepareOutboxStatements(this.db);
    this.dedupe = new DedupeWindow(
      this.statements,
      options.dedupeWindowMs,
      new AlarmStates(this.db, options.dedupeWindowMs),
    );
    const writer = new OfferWriter(this.statements, this.dedupe, this.depths, options.queueLimit, (fn) =>
      this.db.transaction(fn)(),
    );
    if (!reserve.restore())
      logger.warn(
        { dataDir, reserveBytes: RESERVE_BYTES },
        "relay outbox: no room for its disk reserve; should the disk fill, delivered alarms may be sent again after a restart",
      );
    this.commits = new GroupCommit(this.db, writer, options.clock, {
      restore: () => reserve.restore(),
      release: () => reserve.release(),
      onDiskFull: (full) => this.checkpointer?.pause(full),
    });
    this.probe = new WritableProbe(
      () => {
        const refusal = this.commits.refusal();
        if (refusal !== undefined) throw new Error(refusal);
        this.commits.syncFully();
        this.dedupe.probeWrite(this.options.clock());
      },
      () => this.closed,
    );
    this.depths.reset(this.statements.counts.all());
    this.watcher = this.watch(join(dataDir, MARKER_FILE), logger);
  }

  /**
   * Stores the alarms that are not duplicates, durably, together with whatever else was offered in
   * the same turn of the event loop. Rejects with OutboxUnavailableError when the queue is full or
   * the disk fails; then none of these alarms is stored. `alongside` writes what belongs with the
   * alarms in the same transaction (`Offer.alongside` in group-commit.ts).
   */
  enqueue(environment: string, alarms: OutboundAlarm[], alongside?: () => void): Promise<EnqueueResult> {
    return this.commits.offer(environment, alarms, alongside);
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
    this.depths.add(a.environment, -1);
    this.commits.remove(a.id);
  }

  /** Records a failed attempt and when to try again. */
  reschedule(a: QueuedAlarm, attempts: number, nextAttemptAt: number, error: string): void {
    this.statements.reschedule.run(attempts, nextAttemptAt, error, a.id);
  }

  /** Moves an alarm that cannot be delivered to the dead-letter table. */
  deadLetter(a: QueuedAlarm, attempts: number, reason: string, error: string): void {
    const s = this.statements;
    const failedAt = this.options.clock();
    this.db
      .transaction(() => {
        s.bury.run(...deadLetterRow(a, { failedAt, attempts, reason, error }));
        s.remove.run(a.id);
      })
      .immediate();
    this.depths.add(a.environment, -1);
  }

  /**
   * Moves the queued alarms of environments not in `configured` to the dead letters with reason
   * `orphaned` (outbox-orphans.ts); returns how many per environment.
   */
  orphan(configured: readonly string[]): CountsByEnvironment {
    const counts = buryOrphans(this.db, configured, this.options.clock());
    this.recount();
    return counts;
  }

  /** Alarms waiting for delivery. */
  depth(environment: string): number {
    return this.depths.of(environment);
  }

  /** Acceptance time of the oldest waiting alarm. */
  oldestCreatedAt(environment: string): number | undefined {
    return this.statements.oldest.get(environment)?.created_at;
  }

  /** Alarms in the dead-letter table. */
  deadLetters(environment: string): number {
    return this.statements.deadCount.get(environment)?.n ?? 0;
  }

  /**
   * Whether the outbox takes writes now: a one-row write transaction (fsynced like an offer),
   * cached for a second so probes cost nothing. The readiness of the relay role.
   */
  writable(): Writable {
    return this.probe.check();
  }

  /** The dead-letter table on this connection (list, show, replay, purge). */
  deadLetterTable(): DeadLetterTable {
    this.deadLetterTableOf ??= new DeadLetterTable(this.db, this.options.clock);
    return this.deadLetterTableOf;
  }

  /** The dedupe window's record of alarm states, for the lifecycle's intake. */
  alarmStates(): AlarmStates {
    return this.dedupe.states;
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
    const removals = this.commits.unwrittenRemovals();
    const counts = this.statements.counts.all();
    const leaving = removals.length > 0 ? this.statements.countAmong.all(JSON.stringify(removals)) : [];
    this.depths.reset(counts);
    for (const p of leaving) this.depths.add(p.environment, -p.n);
  }

  /** Writes what is pending, then closes the database. */
  close(): void {
    this.commits.close();
    if (!this.closed) {
      this.watcher.stop();
      this.closed = true;
      this.db.close();
      this.lock.release();
    }
    void this.checkpointer?.stop();
  }

  /** Watches the file for other processes' changes and keeps the marker file (outbox-watch.ts). */
  private watch(markerPath: string, logger: Logger): OutboxWatch {
    return new OutboxWatch({
      db: this.db,
      logger,
      markerPath,
      instance: this.opened.instance,
      depths: () => this.depths.view(),
      onExternalChange: () => {
        this.recount();
        for (const listener of this.externalListeners) listener();
      },
    });
  }
}
