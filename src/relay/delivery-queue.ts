import type { Outbox, QueueEntry } from "./outbox.js";

const PAGE = 5000;

/**
 * One environment's queue as the sender schedules it: ids, identities and retry times of the
 * queued alarms, in acceptance order, mirrored from the outbox (bodies stay on disk). Alarms added
 * by another process (a dead-letter replay) are read by {@link refresh}; {@link rebuild} re-reads
 * everything. Every method that reads the outbox throws when the file cannot be read.
 */
export class DeliveryQueue {
  private entries: QueueEntry[] = [];
  private lastId = 0;
  /**
   * Delivered or dead-lettered alarms whose removal may not be on disk yet, never picked again: id
   * to its entry, so that a row reusing the id (a table rebuilt) is not mistaken for it.
   */
  private readonly settled = new Map<number, QueueEntry | undefined>();
  private settledInEntries = 0;
  /** Entries before this index are all settled (delivery mostly finishes in order). */
  private start = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly environment: string,
  ) {}

  /** Alarms waiting (not settled). */
  get size(): number {
    return this.entries.length - this.settledInEntries;
  }

  /** Reads the alarms queued since the last read. */
  refresh(): void {
    for (;;) {
      const rows = this.outbox.entries(this.environment, this.lastId, PAGE);
      for (const r of rows) {
        if (!this.isSettled(r)) this.entries.push(r);
        this.lastId = r.id;
      }
      if (rows.length < PAGE) return;
    }
  }

  /** Re-reads the whole queue (rows inserted out of order, removed by someone else). */
  rebuild(): void {
    const known = new Map(this.entries.map((e) => [e.id, e]));
    const fresh: QueueEntry[] = [];
    for (let after = 0; ;) {
      const rows = this.outbox.entries(this.environment, after, PAGE);
      fresh.push(...rows);
      if (rows.length < PAGE) break;
      after = (rows[rows.length - 1] as QueueEntry).id;
    }
    const onDisk = new Map(fresh.map((e) => [e.id, e]));
    for (const [id, e] of this.settled) {
      const row = onDisk.get(id);
      if (!row || (e && !sameRow(e, row))) this.settled.delete(id);
    }
    this.entries = fresh
      .filter((e) => !this.isSettled(e))
      .map((e) => ({ ...e, nextAttemptAt: Math.max(e.nextAttemptAt, known.get(e.id)?.nextAttemptAt ?? 0) }));
    this.settledInEntries = 0;
    this.start = 0;
    this.lastId = fresh[fresh.length - 1]?.id ?? 0;
  }

  /**
   * Up to `slots` alarms that may be attempted now: each the oldest waiting alarm of its identity,
   * of an identity not in `busy`, and due. `nextDueAt` is the earliest retry time among the
   * identities' heads that are not due yet (when fewer than `slots` were found).
   */
  pick(slots: number, busy: ReadonlySet<string>, now: number): { due: QueueEntry[]; nextDueAt?: number } {
    while (this.start < this.entries.length && this.isSettled(this.entries[this.start] as QueueEntry)) {
      this.start++;
    }
    const seen = new Set(busy);
    const due: QueueEntry[] = [];
    let nextDueAt: number | undefined;
    for (let i = this.start; i < this.entries.length && due.length < slots; i++) {
      const e = this.entries[i] as QueueEntry;
      if (this.isSettled(e) || seen.has(e.identity)) continue;
      seen.add(e.identity);
      if (e.nextAttemptAt <= now) due.push(e);
      else nextDueAt = Math.min(nextDueAt ?? e.nextAttemptAt, e.nextAttemptAt);
    }
    return nextDueAt === undefined ? { due } : { due, nextDueAt };
  }

  /** Waiting alarms accepted at or before `cutoff`, except those in `busyIds`. */
  olderThan(cutoff: number, busyIds: ReadonlySet<number>): QueueEntry[] {
    return this.entries.filter((e) => e.createdAt <= cutoff && !busyIds.has(e.id) && !this.isSettled(e));
  }

  /** The alarm left the queue (delivered or dead-lettered): it is never picked again. */
  settle(id: number): void {
    if (this.settled.has(id)) return;
    this.settled.set(id, this.find(id));
    this.settledInEntries++;
    if (this.settledInEntries > 1024 && this.settledInEntries * 2 > this.entries.length) this.compact();
  }

  /** The alarm is retried no earlier than `at`. */
  reschedule(id: number, at: number): void {
    const e = this.find(id);
    if (e) e.nextAttemptAt = at;
  }

  /** Every alarm waiting for a later retry becomes due at `now`. */
  release(now: number): void {
    for (const e of this.entries) e.nextAttemptAt = Math.min(e.nextAttemptAt, now);
  }

  private isSettled(e: QueueEntry): boolean {
    if (!this.settled.has(e.id)) return false;
    const settled = this.settled.get(e.id);
    return settled === undefined || sameRow(settled, e);
  }

  private compact(): void {
    this.entries = this.entries.filter((e) => !this.isSettled(e));
    this.settledInEntries = 0;
    this.start = 0;
  }

  /** Binary search: entries are in id order. */
  private find(id: number): QueueEntry | undefined {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid] as QueueEntry;
      if (e.id === id) return e;
      if (e.id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** Whether two entries with one id are the same row (not a rebuilt table reusing the id). */
function sameRow(a: QueueEntry, b: QueueEntry): boolean {
  return a.createdAt === b.createdAt && a.identity === b.identity;
}
