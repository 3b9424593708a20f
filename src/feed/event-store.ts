import type { FeedEvent } from "../dynatrace/feed-event.js";
import { CHUNK_SIZE, EventColumns, offsetOf } from "./event-columns.js";
import { EventIndex } from "./event-index.js";
import type { EventCounts } from "../metrics/feed-view.js";
import { type Dimensions, type LabelSetCap, LabelSets } from "./label-sets.js";

/** Status label of a counted event. */
export type EventStatus = "OPEN" | "CLOSED";

/**
 * The events of one environment that are currently in the window, keyed by exact event id, with
 * running counts per (label set, status) so that a scrape never walks the events.
 *
 * Events live in parallel typed-array columns indexed by a slot number (not one object each), and
 * keys of Dynatrace's form are held as numbers ({@link EventIndex}): at a million events the cost
 * is about 60 bytes per event and nothing for the garbage collector to walk. Columns grow by
 * chunks and the index is sharded, so growth never pauses the event loop for long.
 */
export class EventStore implements EventCounts {
  readonly labelSets: LabelSets;
  private index = new EventIndex();
  private columns = new EventColumns();
  private freeSlots: number[] = [];
  /** counts[labelSet * 2 + (open ? 1 : 0)] */
  private readonly counts: number[] = [];
  /** When each count last dropped to zero (NaN while it is above zero). */
  private readonly zeroSince: number[] = [];
  /** Events first seen after the process started, per label set (`*_observed_total`). */
  private readonly observed: number[] = [];
  private changes = 0;

  /** `cap` bounds the label sets (the series cap); without it they are unbounded. */
  constructor(
    private readonly clock: () => number = Date.now,
    cap?: LabelSetCap,
  ) {
    this.labelSets = new LabelSets(cap);
  }

  /** Changes whenever a count that {@link forEachCount} or {@link forEachObserved} reports does. */
  get version(): number {
    return this.changes;
  }

  /** The store's clock (ms). */
  now(): number {
    return this.clock();
  }

  /** Number of events tracked. */
  get size(): number {
    return this.index.size;
  }

  /**
   * Inserts or updates an event, stamping it with `generation` (used by {@link sweep}). Returns
   * the event's label set id if it was not tracked before, else -1 (allocation-free: this runs
   * once per event on every page).
   */
  upsert(ev: FeedEvent, generation: number): number {
    const labelSet = this.labelSets.intern(ev);
    const openFlag = ev.open ? 1 : 0;
    let slot = this.index.find(ev.key);
    const isNew = slot < 0;
    const counted = labelSet * 2 + openFlag;
    if (isNew) {
      slot = this.allocate();
      this.index.add(slot);
    }
    const c = this.columns.chunk(slot);
    const i = offsetOf(slot);
    if (isNew) {
      this.adjust(counted, +1);
    } else {
      const previous = (c.dims[i] as number) * 2 + (c.open[i] as number);
      if (previous !== counted) {
        this.adjust(previous, -1);
        this.adjust(counted, +1);
      }
    }
    c.dims[i] = labelSet;
    c.open[i] = openFlag;
    c.start[i] = ev.startTime;
    c.end[i] = ev.endTime;
    c.generation[i] = generation;
    return isNew ? labelSet : -1;
  }

  /**
   * Prepares for about `n` events (a full read's expected count), so that filling is cheap. At
   * most 2,000,000 are prepared for, and {@link compactIfSparse} gives back what a
   * count that was not met left unused.
   */
  reserve(n: number): void {
    this.index.reserve(n);
  }

  /** What the store holds room for: event slots (about 50 bytes each) and index places (4 bytes). */
  get capacity(): { slots: number; indexSlots: number } {
    return { slots: this.columns.capacity, indexSlots: this.index.tableSlots };
  }

  /**
   * Rebuilds the columns and the index at the size of what is live when at least half of the
   * column chunks (and two or more) are unused, or when the index tables are eight times larger
   * than needed (a lying count's reservation), so memory follows the store down as well as up.
   * Returns whether it rebuilt. O(events) when it does; run after a drain, not per event.
   */
  compactIfSparse(): boolean {
    const live = this.size;
    const needed = Math.ceil(live / CHUNK_SIZE);
    const spare = this.columns.chunkCount - needed;
    const oversizedIndex = this.index.tableSlots > 8 * Math.max(live, 2048);
    if (spare < Math.max(2, needed) && !oversizedIndex) return false;
    const index = new EventIndex();
    const columns = new EventColumns();
    index.reserve(live);
    for (let base = 0; base < this.columns.length; base += CHUNK_SIZE) {
      const from = this.columns.chunk(base);
      const end = Math.min(CHUNK_SIZE, this.columns.length - base);
      for (let i = 0; i < end; i++) {
        if (from.used[i] === 0) continue;
        const slot = columns.addSlot();
        columns.copySlot(slot, from, i);
        index.copyFrom(this.index, base + i, slot);
      }
    }
    this.index = index;
    this.columns = columns;
    this.freeSlots = [];
    return true;
  }

  /**
   * Forgets every label set with no events whose zeros have been exported for `retainZeroMs`
   * (both statuses), so the label-set table, the counts and the rendered series hold what is live
   * plus the retained zeros, not every event type ever seen. Its `*_observed_total` series goes
   * with it; should the set come back, the counter starts again from 0 (a counter reset to
   * Prometheus). Returns how many were released.
   */
  releaseIdleLabelSets(retainZeroMs: number): number {
    const now = this.clock();
    let released = 0;
    for (let id = 0; id < this.labelSets.count; id++) {
      if (this.labelSets.find(id) === undefined) continue;
      if (!this.idle(id * 2, now, retainZeroMs) || !this.idle(id * 2 + 1, now, retainZeroMs)) continue;
      this.labelSets.release(id);
      this.observed[id] = 0;
      released++;
    }
    if (released > 0) this.changes++;
    return released;
  }

  private idle(i: number, now: number, retainZeroMs: number): boolean {
    return (this.counts[i] ?? 0) === 0 && !(now < (this.zeroSince[i] ?? Number.NaN) + retainZeroMs);
  }

  /** Removes closed events that ended before `cutoff` (ms). Returns how many were removed. */
  evictEndedBefore(cutoff: number): number {
    return this.removeWhere(Number.NaN, Number.NaN, cutoff);
  }

  /**
   * Removes events that a full re-read stamped with `generation` did not return, except open
   * events that started before `from`: a server that matches only on start or end time never
   * returns those, so their absence says nothing.
   */
  sweep(generation: number, from: number): number {
    return this.removeWhere(generation, from, Number.NaN);
  }

  /** {@link sweep} and {@link evictEndedBefore} in one pass over the slots. */
  sweepAndEvict(generation: number, from: number, cutoff: number): number {
    return this.removeWhere(generation, from, cutoff);
  }

  /**
   * Calls `fn` for each (label set, status) with events, and for each that dropped to zero less
   * than `retainZeroMs` ago (so a series goes to 0 before it disappears). Returns when the first
   * of those zeros expires (Infinity if none), after which the same call reports less.
   */
  forEachCount(
    retainZeroMs: number,
    fn: (labelSet: number, d: Dimensions, status: EventStatus, n: number) => void,
  ): number {
    const now = this.clock();
    let firstExpiry = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.counts.length; i++) {
      const n = this.counts[i] ?? 0;
      if (n === 0) {
        const expiry = (this.zeroSince[i] ?? Number.NaN) + retainZeroMs;
        if (!(now < expiry)) continue;
        firstExpiry = Math.min(firstExpiry, expiry);
      }
      const labelSet = i >> 1;
      fn(labelSet, this.labelSets.get(labelSet), i & 1 ? "OPEN" : "CLOSED", n);
    }
    return firstExpiry;
  }

  /** Counts one newly observed event of the label set. */
  markObserved(labelSet: number): void {
    this.observed[labelSet] = (this.observed[labelSet] ?? 0) + 1;
    this.changes++;
  }

  /** Calls `fn` for every label set held (not released) with its observed count (0 when none). */
  forEachObserved(fn: (labelSet: number, n: number) => void): void {
    for (let id = 0; id < this.labelSets.count; id++) {
      if (this.labelSets.find(id) !== undefined) fn(id, this.observed[id] ?? 0);
    }
  }

  private adjust(i: number, delta: number): void {
    const n = (this.counts[i] ?? 0) + delta;
    for (let j = this.counts.length; j <= i; j++) {
      this.counts[j] = 0;
      this.zeroSince[j] = Number.NaN;
    }
    this.counts[i] = n;
    this.changes++;
    this.zeroSince[i] = n === 0 ? this.clock() : Number.NaN;
  }

  /**
   * Removes events not stamped with `generation` (unless open and started before `from`), and
   * closed events that ended before `cutoff`; NaN turns either test off. A plain loop over the
   * chunks: at a million slots a callback per slot would cost more than the test itself.
   */
  private removeWhere(generation: number, from: number, cutoff: number): number {
    const sweeping = !Number.isNaN(generation);
    const evicting = !Number.isNaN(cutoff);
    let removed = 0;
    for (let base = 0; base < this.columns.length; base += CHUNK_SIZE) {
      const c = this.columns.chunk(base);
      const end = Math.min(CHUNK_SIZE, this.columns.length - base);
      for (let i = 0; i < end; i++) {
        if (c.used[i] === 0) continue;
        const open = c.open[i] === 1;
        const stale = sweeping && c.generation[i] !== generation && !(open && (c.start[i] as number) < from);
        const ended = evicting && !open && (c.end[i] as number) < cutoff;
        if (!stale && !ended) continue;
        this.adjust((c.dims[i] as number) * 2 + (open ? 1 : 0), -1);
        this.index.remove(base + i);
        c.used[i] = 0;
        this.freeSlots.push(base + i);
        removed++;
      }
    }
    return removed;
  }

  private allocate(): number {
    const slot = this.freeSlots.pop() ?? this.columns.addSlot();
    this.columns.chunk(slot).used[offsetOf(slot)] = 1;
    return slot;
  }
}
