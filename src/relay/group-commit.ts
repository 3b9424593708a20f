import type Database from "better-sqlite3";
import type { OutboundAlarm } from "./alarm.js";
import { OutboxUnavailableError } from "./outbox-errors.js";

/** Result of offering alarms to the outbox. */
export interface EnqueueResult {
  accepted: number;
  duplicates: number;
  ids: number[];
}

/** Alarms offered for one environment, waiting for the next commit. */
export interface Offer {
  environment: string;
  alarms: OutboundAlarm[];
  /**
   * Writes of other tables that belong with these alarms (the problem lifecycle's), run in the
   * same transaction right after them: should it throw, neither is stored and the offer fails.
   */
  alongside?: () => void;
}

/** What a commit writes: the outbox's side of a batch, run inside its transaction. */
export interface BatchWriter {
  /** Stores the offers, one outcome each: a full queue refuses one offer, not the batch. */
  writeOffers(offers: readonly Offer[], now: number): (EnqueueResult | OutboxUnavailableError)[];
  /** Deletes a delivered alarm. */
  remove(id: number): void;
  /** Called once the commit is on disk, before anyone is answered. */
  committed(
    offers: readonly Offer[],
    outcomes: readonly (EnqueueResult | OutboxUnavailableError)[],
    now: number,
  ): void;
}

interface PendingOffer extends Offer {
  resolve: (r: EnqueueResult) => void;
  reject: (err: Error) => void;
}

/** Space a full disk gives back for removals (disk-reserve.ts's DiskReserve). */
export interface SpaceReserve {
  /** Writes the reserve again; false while there is no room. */
  restore(): boolean;
  /** Frees the reserve's space; false when there was none. */
  release(): boolean;
  /** Told when the disk filled (true) and when the reserve is back (false). */
  onDiskFull?(full: boolean): void;
}

/** SQLite's "database or disk is full", as better-sqlite3 or the outbox's own errors carry it. */
function isDiskFull(err: unknown): boolean {
  return (err as { code?: unknown }).code === "SQLITE_FULL";
}

/** After a failed commit, removals are written again this much later. */
const RETRY_REMOVALS_MS = 1000;

/**
 * Group commit: offers and removals that arrive in the same turn of the event loop are written in
 * one transaction and one fsync, then every offer is answered. Under load that turns one fsync per
 * request into one per batch, without acknowledging anything before it is on disk.
 */
export class GroupCommit {
  private pending: PendingOffer[] = [];
  /** Ids of delivered alarms whose removal is not yet written. */
  private removals: number[] = [];
  private flushScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private synchronous: "FULL" | "NORMAL" = "FULL";
  /** The disk filled and the reserve was given up: offers wait until it is back. */
  private diskFull = false;
  private recoverTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly writer: BatchWriter,
    private readonly clock: () => number,
    /** Space kept for removals (disk-reserve.ts); without it a full disk blocks them too. */
    private readonly reserve?: SpaceReserve,
  ) {}

  /** Why offers are refused without trying, or undefined (the readiness probe's answer too). */
  refusal(): string | undefined {
    return this.diskFull
      ? "the disk is full: only deliveries are recorded until there is room for the outbox's reserve again"
      : undefined;
  }

  /** Resolves once the offer is on disk; rejects with OutboxUnavailableError when it is not. */
  offer(environment: string, alarms: OutboundAlarm[], alongside?: () => void): Promise<EnqueueResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ environment, alarms, alongside, resolve, reject });
      this.schedule();
    });
  }

  /** Queues the removal of a delivered alarm for the next commit. */
  remove(id: number): void {
    this.removals.push(id);
    this.schedule();
  }

  /** Removals not yet written (the alarms are still in the file). */
  unwrittenRemovals(): readonly number[] {
    return this.removals;
  }

  /** Makes the next commits fsync, as a commit with offers does. */
  syncFully(): void {
    this.setSynchronous("FULL");
  }

  /** Writes what is pending now, and stops retrying. */
  close(): void {
    clearTimeout(this.retryTimer);
    clearInterval(this.recoverTimer);
    this.flush();
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes every pending offer and removal in one transaction, then answers each offer. */
  private flush(): void {
    this.flushScheduled = false;
    let batch = this.pending;
    const removals = this.removals;
    this.pending = [];
    this.removals = [];
    const refusal = this.refusal();
    if (refusal !== undefined) {
      // The reserve's space is the removals': an offer would take it and block them again.
      this.refuse(batch, new OutboxUnavailableError(`relay outbox cannot store alarms: ${refusal}`));
      batch = [];
    }
    if (batch.length === 0 && removals.length === 0) return;
    const now = this.clock();
    let outcomes: (EnqueueResult | OutboxUnavailableError)[];
    try {
      // A commit with offers is fsynced before anyone is answered. A commit of removals only is
      // not: in WAL mode it survives a crash of the process, and power loss can at worst bring
      // back an alarm that was delivered (a duplicate), never lose one. The next FULL commit
      // syncs it anyway.
      this.setSynchronous(batch.length > 0 ? "FULL" : "NORMAL");
      // IMMEDIATE: the write lock is taken (waiting out the checkpoint thread's truncation) before
      // the first read. A deferred transaction that read first could not upgrade after the WAL was
      // reset under it, and failed at once with "database is locked" (every relay write does this).
      outcomes = this.db
        .transaction(() => {
          for (const id of removals) this.writer.remove(id);
          return this.writer.writeOffers(batch, now);
        })
        .immediate();
    } catch (err) {
      if (isDiskFull(err) && this.reserve?.release()) {
        this.filled(batch, removals, err);
        return;
      }
      this.failed(batch, removals, err);
      return;
    }
    this.writer.committed(batch, outcomes, now);
    batch.forEach((p, i) => {
      const outcome = outcomes[i] as EnqueueResult | OutboxUnavailableError;
      if (outcome instanceof OutboxUnavailableError) p.reject(outcome);
      else p.resolve(outcome);
    });
  }

  /**
   * The disk filled: the reserve was deleted, so the removals are written again at once into its
   * space; offers are refused until the reserve can be written again (tried every second).
   */
  private filled(batch: PendingOffer[], removals: number[], err: unknown): void {
    this.diskFull = true;
    this.reserve?.onDiskFull?.(true);
    this.refuse(
      batch,
      new OutboxUnavailableError(`relay outbox cannot store alarms: ${(err as Error).message}`, {
        cause: err,
      }),
    );
    this.removals = removals.concat(this.removals);
    this.schedule();
    this.recoverTimer ??= setInterval(() => {
      if (!this.reserve?.restore()) return;
      this.diskFull = false;
      this.reserve?.onDiskFull?.(false);
      clearInterval(this.recoverTimer);
      this.recoverTimer = undefined;
    }, RETRY_REMOVALS_MS).unref();
  }

  private refuse(batch: PendingOffer[], err: OutboxUnavailableError): void {
    for (const p of batch) p.reject(err);
  }

  /** A commit that failed: every offer refused, the removals kept for a retry. */
  private failed(batch: PendingOffer[], removals: number[], err: unknown): void {
    const failure = new OutboxUnavailableError(
      `relay outbox cannot store alarms: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
    for (const p of batch) p.reject(failure);
    // Removals wait for the disk to recover; until then the sender skips those alarms by id.
    this.removals = removals.concat(this.removals);
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, RETRY_REMOVALS_MS).unref();
  }

  private setSynchronous(mode: "FULL" | "NORMAL"): void {
    if (this.synchronous === mode) return;
    this.db.pragma(`synchronous = ${mode}`);
    this.synchronous = mode;
  }
}
