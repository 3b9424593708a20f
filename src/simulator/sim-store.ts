import { compareNewestFirst, type SimEvent } from "./sim-event.js";

/**
 * How the feed's time filter matches: `literal` returns an event when its start or its end lies
 * in [from, to] (the spec's words); `overlap` when the event's lifetime overlaps [from, to]
 * (open events that started earlier included). The API facts leave this unclear, so both exist.
 */
export type TimeFilter = "literal" | "overlap";

/** Query results kept (each up to every event: a million pointers is 8 MB). */
const CACHED_QUERIES = 8;

/** Index of the first element of `list` for which `pred` holds; `pred` must turn true once, for good. */
function firstIndex<T>(list: T[], pred: (item: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(list[mid] as T)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The filters of one feed query. */
export interface SimQuery {
  from: number;
  to: number;
  entityId?: string | undefined;
  eventType?: string | undefined;
}

/**
 * The simulated environment's events, with the feed's matching and ordering.
 */
export class SimEventStore {
  private readonly events = new Map<bigint, SimEvent>();
  private _version = 0;
  private readonly cache = new Map<string, { version: number; result: SimEvent[] }>();
  private sorted: { version: number; events: SimEvent[] } | undefined;
  /** Every event ever added, in order: lets readers catch up on what is new without a full scan. */
  private readonly log: SimEvent[] = [];
  /** Bumped when an event is deleted or replaced, which invalidates what readers built from the log. */
  private _resets = 0;

  constructor(public timeFilter: TimeFilter) {}

  add(e: SimEvent): void {
    const size = this.events.size;
    this.events.set(e.eventId, e);
    if (this.events.size === size) this._resets++;
    this.log.push(e);
    this._version++;
  }

  /** Events added after the first `n` adds (see {@link addCount}), in the order they were added. */
  addedSince(n: number): SimEvent[] {
    return this.log.slice(n);
  }

  /** How many adds there have been. */
  get addCount(): number {
    return this.log.length;
  }

  /** Changes when an event is deleted or replaced: anything built from {@link addedSince} must restart. */
  get resets(): number {
    return this._resets;
  }

  /** Closes an open event at `endTime`. Returns false if it does not exist or is closed. */
  close(id: bigint, endTime: number): boolean {
    const e = this.events.get(id);
    if (!e || e.endTime !== -1) return false;
    e.endTime = endTime;
    this._version++;
    return true;
  }

  delete(id: bigint): boolean {
    this._version++;
    this._resets++;
    return this.events.delete(id);
  }

  /** Every event, in no particular order. */
  all(): IterableIterator<SimEvent> {
    return this.events.values();
  }

  /** Changes with every add, close or delete (for caches of query results). */
  get version(): number {
    return this._version;
  }

  get size(): number {
    return this.events.size;
  }

  /**
   * Matching events, newest first. `filter` overrides the store's time-filter reading. The last
   * few results are kept, so that paging through several large results side by side (a sliced
   * read) costs one filter pass per query, not one per page.
   */
  query(q: SimQuery, filter: TimeFilter = this.timeFilter): SimEvent[] {
    const key = `${q.from}|${q.to}|${q.entityId ?? ""}|${q.eventType ?? ""}|${filter}`;
    const hit = this.cache.get(key);
    if (hit?.version === this._version) return hit.result;
    const result =
      q.entityId === undefined && q.eventType === undefined
        ? this.byTime(q.from, q.to, filter)
        : this.scan(q, filter);
    this.cache.delete(key);
    this.cache.set(key, { version: this._version, result });
    if (this.cache.size > CACHED_QUERIES) this.cache.delete(this.cache.keys().next().value as string);
    return result;
  }

  /** Every event newest first, sorted once per version. */
  private newestFirst(): SimEvent[] {
    if (this.sorted?.version !== this._version) {
      this.sorted = { version: this._version, events: [...this.events.values()].sort(compareNewestFirst) };
    }
    return this.sorted.events;
  }

  /** Events that started in [from, to] (a contiguous run of the sorted list), then older matches. */
  private byTime(from: number, to: number, filter: TimeFilter): SimEvent[] {
    const all = this.newestFirst();
    const first = firstIndex(all, (e) => e.startTime <= to);
    const older = firstIndex(all, (e) => e.startTime < from);
    const result = all.slice(first, older);
    for (let i = older; i < all.length; i++) {
      const e = all[i] as SimEvent;
      if (this.matchesTime(e, from, to, filter)) result.push(e);
    }
    return result;
  }

  private scan(q: SimQuery, filter: TimeFilter): SimEvent[] {
    const result: SimEvent[] = [];
    for (const e of this.events.values()) {
      if (q.entityId !== undefined && e.entityId !== q.entityId) continue;
      if (q.eventType !== undefined && e.eventType !== q.eventType) continue;
      if (this.matchesTime(e, q.from, q.to, filter)) result.push(e);
    }
    return result.sort(compareNewestFirst);
  }

  private matchesTime(e: SimEvent, from: number, to: number, filter: TimeFilter): boolean {
    const open = e.endTime === -1;
    if (filter === "overlap") return e.startTime <= to && (open || e.endTime >= from);
    return (e.startTime >= from && e.startTime <= to) || (!open && e.endTime >= from && e.endTime <= to);
  }
}
