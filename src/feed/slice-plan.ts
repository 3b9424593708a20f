import type { FeedEvent } from "../dynatrace/feed-event.js";

/** A slice shorter than this many pages (by the stated count) is not split off. */
export const MIN_SLICE_PAGES = 8;

/**
 * How many chains pay for themselves, from the first pages of one chain: `wallMs` they took,
 * `cpuMs` of it the event loop was working (not waiting). A chain requests its next page before
 * the current one is handled, so one chain keeps up while the loop is busy at least half the time
 * (a tenant answering at once, or a process busy with other drains, whose work counts here too): more chains
 * would only hold more pages at once and cost CPU in garbage collection. Idle longer, `k` chains
 * keep up with a tenant `k` times slower than the CPU per page; four times that is asked for,
 * because the first pages' CPU overstates the steady cost two- to threefold (compilation and
 * collector threads count in the process's CPU; bench/sliced-read.ts at 100 ms a page measured a
 * ratio of 3 where the steady one is over 10), and a latency-bound read loses nothing by an idle
 * chain. At most `concurrency`.
 */
export function chainsWorthRunning(wallMs: number, cpuMs: number, concurrency: number): number {
  const ratio = wallMs / Math.max(cpuMs, 0.05);
  if (!(ratio >= 2)) return 1;
  return Math.min(concurrency, Math.ceil(4 * ratio));
}

/**
 * One time slice of a full read: its chain reads `[from, upper]` newest first and stops at the
 * first page reaching `lower`. It owns the events that started in `[lower, upper)` (the newest
 * slice up to the read's end, the oldest everything below `upper`, events that started before the
 * window included), so that owned counts add up to what the read returned.
 */
export interface Slice {
  /** Start of the owned range; -Infinity for the oldest slice (it reads its chain to the end). */
  lower: number;
  /** The chain's `to`; the owned range ends before it (the newest slice's is the read's end). */
  upper: number;
  newest: boolean;
  /** Oldest start seen so far (where the chain stands); `upper` before the first page. */
  pos: number;
  /** The first page's stated count of `[from, upper]`, if it said one. */
  count: number | undefined;
  /** Events read that the slice owns. */
  owned: number;
  /** Owned events that started exactly at `lower` (the slice below's query returns them too). */
  atLower: number;
  pages: number;
}

/** A slice over `[lower, upper)` whose chain has not started. */
export function newSlice(lower: number, upper: number, newest = false): Slice {
  return { lower, upper, newest, pos: upper, count: undefined, owned: 0, atLower: 0, pages: 0 };
}

/** Counts a page of the slice's chain: position, first-page count and owned events. */
export function account(slice: Slice, events: FeedEvent[], total: number | undefined): void {
  if (slice.pages++ === 0) slice.count = total;
  for (const ev of events) {
    const t = ev.startTime;
    if (t < slice.pos) slice.pos = t;
    if (t < slice.lower || (t >= slice.upper && !slice.newest)) continue;
    slice.owned++;
    if (t === slice.lower) slice.atLower++;
  }
}

/**
 * The first slices of a read whose newest slice's first page reached `newest.pos`: `[from, pos]`
 * cut into `n` equal spans, the newest slice keeping the top one. Returns the others, oldest
 * first (the oldest owns everything below its `upper`). `n` is at least 2.
 */
export function initialSlices(newest: Slice, from: number, n: number): Slice[] {
  const span = (newest.pos - from) / n;
  const cuts = Array.from({ length: n - 1 }, (_, i) => Math.floor(from + span * (i + 1)));
  newest.lower = cuts[n - 2] as number;
  return cuts.map((upper, i) =>
    newSlice(i === 0 ? Number.NEGATIVE_INFINITY : (cuts[i - 1] as number), upper),
  );
}

/**
 * Splits the running slice with the most left to read (by `density`, events per ms) when that is
 * at least two slices' worth: the new slice takes the lower half of what is left, the running
 * chain stops at the cut. The oldest slice is never split: under the literal time filter its
 * chain is the one that returns the events that started before the window, up to its `upper`.
 */
export function splitLargest(running: Iterable<Slice>, density: number, pageSize: number): Slice | undefined {
  let best: Slice | undefined;
  for (const s of running) {
    if (s.lower === Number.NEGATIVE_INFINITY || s.pages === 0) continue;
    if (!best || s.pos - s.lower > best.pos - best.lower) best = s;
  }
  if (!best || (best.pos - best.lower) * density < 2 * MIN_SLICE_PAGES * pageSize) return undefined;
  const cut = Math.floor((best.lower + best.pos) / 2);
  const split = newSlice(best.lower, cut);
  best.lower = cut;
  best.atLower = 0;
  return split;
}

/**
 * Time ranges `[lo, hi]` whose events a sliced read has not all returned. Each slice's first page
 * stated how many events `[from, upper]` holds; the events owned below `upper` (plus those that
 * started exactly at it, which that query also returns) should make that count. Where the
 * shortfall grows from one boundary to the next, events that started before the window and ended
 * in between are missing: a server reading the time filter literally returns them only to a
 * query whose range holds their end. Under the overlap reading the oldest slice returned them all
 * and no range is returned. A count the server did not state merges its range with the next.
 */
export function shortfallRanges(slices: Slice[], to: number): [number, number][] {
  const sorted = [...slices].sort((a, b) => a.lower - b.lower);
  const ranges: [number, number][] = [];
  let ownedBelow = 0;
  let previous: { at: number; missing: number } | undefined;
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i] as Slice;
    ownedBelow += s.owned;
    const above = sorted[i + 1];
    const at = s.newest ? to : s.upper;
    if (s.count === undefined) continue;
    const missing = s.count - ownedBelow - (above?.atLower ?? 0);
    if (previous !== undefined && missing > previous.missing) ranges.push([previous.at, at]);
    previous = { at, missing: Math.max(missing, previous?.missing ?? 0) };
  }
  return ranges;
}
