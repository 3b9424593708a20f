import type { FeedEvent } from "../dynatrace/feed-event.js";
import { type Dimensions, LabelSets } from "./label-sets.js";

const INITIAL_CAPACITY = 1024;

/** Status label of a counted event. */
export type EventStatus = "OPEN" | "CLOSED";

/**
 * The events of one environment that are currently in the window, keyed by exact event id, with
 * running counts per (label set, status) so that a scrape never walks the events.
 *
 * Events live in parallel typed-array columns indexed by a slot number (not one object each):
 * at a million events the per-event cost is the key string, one Map entry and 29 bytes of columns.
 */
export class EventStore {
  readonly labelSets = new LabelSets();
  private readonly index = new Map<string, number>();
  private keys: (string | undefined)[] = [];
  private dims = new Uint32Array(INITIAL_CAPACITY);
  private open = new Uint8Array(INITIAL_CAPACITY);
  private start = new Float64Array(INITIAL_CAPACITY);
  private end = new Float64Array(INITIAL_CAPACITY);
  private generation = new Uint32Array(INITIAL_CAPACITY);
  private readonly freeSlots: number[] = [];
  /** counts[labelSet * 2 + (open ? 1 : 0)] */
  private readonly counts: number[] = [];
  /** When each count last dropped to zero (NaN while it is above zero). */
  private readonly zeroSince: number[] = [];
  /** Events first seen after the process started, per label set (`*_observed_total`). */
  private readonly observed: number[] = [];
  private changes = 0;

  constructor(private readonly clock: () => number = Date.now) {}

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
   * the label set id and whether the event was not tracked before.
   */
  upsert(ev: FeedEvent, generation: number): { labelSet: number; isNew: boolean; newLabelSet: boolean } {
    const { id: labelSet, isNew: newLabelSet } = this.labelSets.intern(ev);
    const openFlag = ev.open ? 1 : 0;
    let slot = this.index.get(ev.key);
    const isNew = slot === undefined;
    const counted = labelSet * 2 + openFlag;
    if (slot === undefined) {
      slot = this.allocate(ev.key);
      this.adjust(counted, +1);
    } else {
      const previous = (this.dims[slot] as number) * 2 + (this.open[slot] as number);
      if (previous !== counted) {
        this.adjust(previous, -1);
        this.adjust(counted, +1);
      }
    }
    this.dims[slot] = labelSet;
    this.open[slot] = openFlag;
    this.start[slot] = ev.startTime;
    this.end[slot] = ev.endTime;
    this.generation[slot] = generation;
    return { labelSet, isNew, newLabelSet };
  }

  /** Removes closed events that ended before `cutoff` (ms). Returns how many were removed. */
  evictEndedBefore(cutoff: number): number {
    return this.removeWhere((slot) => this.open[slot] === 0 && (this.end[slot] as number) < cutoff);
  }

  /**
   * Removes events that a full re-read stamped with `generation` did not return, except open
   * events that started before `from`: a server that matches only on start or end time never
   * returns those, so their absence says nothing.
   */
  sweep(generation: number, from: number): number {
    return this.removeWhere(
      (slot) =>
        this.generation[slot] !== generation &&
        !(this.open[slot] === 1 && (this.start[slot] as number) < from),
    );
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

  /** Calls `fn` for every label set ever seen with its observed count (0 when none). */
  forEachObserved(fn: (labelSet: number, n: number) => void): void {
    for (let id = 0; id < this.labelSets.count; id++) fn(id, this.observed[id] ?? 0);
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

  private removeWhere(predicate: (slot: number) => boolean): number {
    let removed = 0;
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot];
      if (key === undefined || !predicate(slot)) continue;
      this.adjust((this.dims[slot] as number) * 2 + (this.open[slot] as number), -1);
      this.index.delete(key);
      this.keys[slot] = undefined;
      this.freeSlots.push(slot);
      removed++;
    }
    return removed;
  }

  private allocate(key: string): number {
    const reused = this.freeSlots.pop();
    const slot = reused ?? this.keys.length;
    if (reused === undefined) {
      this.keys.push(key);
      if (slot >= this.dims.length) this.grow();
    } else {
      this.keys[slot] = key;
    }
    this.index.set(key, slot);
    return slot;
  }

  private grow(): void {
    const size = this.dims.length * 2;
    this.dims = copyInto(new Uint32Array(size), this.dims);
    this.open = copyInto(new Uint8Array(size), this.open);
    this.start = copyInto(new Float64Array(size), this.start);
    this.end = copyInto(new Float64Array(size), this.end);
    this.generation = copyInto(new Uint32Array(size), this.generation);
  }
}

function copyInto<T extends Uint32Array | Uint8Array | Float64Array>(target: T, source: T): T {
  target.set(source);
  return target;
}
