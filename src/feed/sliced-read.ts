import { DynatraceProtocolError } from "../dynatrace/errors.js";
import type { FeedEvent, SkipCounts } from "../dynatrace/feed-event.js";
import {
  account,
  chainsWorthRunning,
  initialSlices,
  MIN_SLICE_PAGES,
  newSlice,
  shortfallRanges,
  type Slice,
  splitLargest,
} from "./slice-plan.js";

/** A page of a chain: its events, skips, and the count its query's first page stated. */
export interface ChainPage {
  events: FeedEvent[];
  skipped: SkipCounts;
  /** Unreachable events of legacy milliseconds, by millisecond (a range read twice repeats them). */
  unreadable?: ReadonlyMap<number, number> | undefined;
  total: number | undefined;
}

/** Opens the chain of pages of `[from, to]`, stopping after the page that reaches `stopBefore()`. */
export type OpenChain = (
  range: { from: number; to: number },
  stopBefore: (() => number) | undefined,
  signal: AbortSignal,
) => AsyncGenerator<ChainPage>;

/** The read's range and how wide it may go. */
export interface SlicedReadOptions {
  from: number;
  to: number;
  /** Chains read side by side at most (FEED_READ_CONCURRENCY); 1 reads one chain. */
  concurrency: number;
  /** Runs `concurrency` slices without measuring first (FEED_READ_SLICING=fixed). */
  fixed?: boolean;
  pageSize: number;
  maxPages: number;
  signal?: AbortSignal | undefined;
}

/** Pages the first chain reads alone to measure how many chains pay off (the first one included). */
export const SAMPLE_PAGES = 4;

/** A chain to read: a slice's (owned range counted) or a range read again whole. */
interface Job {
  slice: Slice | undefined;
  range: { from: number; to: number };
}

type Pulled = { run: Running; result?: IteratorResult<ChainPage>; error?: Error };

interface Running {
  slice: Slice | undefined;
  chain: AsyncGenerator<ChainPage>;
  next: Promise<Pulled>;
}

/**
 * Reads `[from, to]` as time slices side by side and yields every page as it arrives (an event
 * returned by two slices comes twice; the store merges by key). The first page (of the whole
 * range) states the count: up to `2 × MIN_SLICE_PAGES` pages, with `concurrency` 1, or with a
 * count beyond `maxPages` pages, its chain is read alone, as an unsliced read. Over the first
 * `SAMPLE_PAGES` pages, the event loop's time waiting against its time working says how many
 * chains pay off ({@link chainsWorthRunning}): one for a tenant answering faster than a page
 * costs to handle, up to `concurrency` for a distant one (always `concurrency` when `fixed`). The rest of the range is cut into that many slices,
 * each its own chain; a chain that ends takes the
 * lower half of the largest slice still running ({@link splitLargest}), until none is two
 * `MIN_SLICE_PAGES` long. Once all have ended, the counts the slices' first pages stated are
 * checked against what was read ({@link shortfallRanges}) and the ranges short of events are read
 * again whole. A chain failing ends the others (aborted, awaited) and fails the read. Pages in
 * all are bounded by the count's pages, at most `maxPages`, plus two a chain.
 */
export async function* slicedRead(open: OpenChain, o: SlicedReadOptions): AsyncGenerator<ChainPage> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  const reader = new ChainSet(open, o, stop.signal);
  try {
    yield* reader.read();
  } finally {
    stop.abort(new Error("sliced read ended"));
    await reader.settle();
    o.signal?.removeEventListener("abort", onAbort);
  }
}

/** The chains of one sliced read and what they have read. */
class ChainSet {
  private readonly running = new Set<Running>();
  private readonly slices: Slice[] = [];
  private queue: Job[] = [];
  private splitting = false;
  private fellBack = false;
  private newest: Slice | undefined;
  private density = 0;
  private pages = 0;
  private chains = 0;
  private pageLimit = Number.POSITIVE_INFINITY;
  /** Chains run at once: the concurrency, until the first page says fewer pay off. */
  private width: number;

  constructor(
    private readonly open: OpenChain,
    private readonly o: SlicedReadOptions,
    private readonly signal: AbortSignal,
  ) {
    this.width = o.concurrency;
  }

  async *read(): AsyncGenerator<ChainPage> {
    const { o } = this;
    const newest = newSlice(Number.NEGATIVE_INFINITY, o.to, true);
    this.slices.push(newest);
    this.start({ slice: newest, range: { from: o.from, to: o.to } });
    const chain = this.running.values().next().value as Running;
    const first = this.unwrap(await chain.next);
    if (first === undefined) return;
    const total = first.total;
    account(newest, first.events, total);
    let n = sliceCount(total, o.maxPages, o.pageSize, o.concurrency);
    const loop = performance.eventLoopUtilization();
    yield first;
    // A few more pages of the one chain show how it keeps pace (it requests each next page
    // before this one is handled): how long the event loop waited against how long it worked.
    // Not the process's CPU: compiler and collector threads count in it (a cold process looks
    // busy), and a process waiting for a core on a loaded machine does not (it looks idle).
    for (let sampled = 1; n >= 2 && sampled < SAMPLE_PAGES; sampled++) {
      const page = this.unwrap(await chain.next);
      if (page === undefined) return;
      account(newest, page.events, page.total);
      yield { ...page, total: undefined };
    }
    if (n >= 2 && !o.fixed) {
      const { idle, active } = performance.eventLoopUtilization(loop);
      this.width = chainsWorthRunning(idle + active, active, o.concurrency);
      n = sliceCount(total, o.maxPages, o.pageSize, this.width);
    }
    if (n >= 2) this.plan(newest, total as number, n);
    yield* this.merged();
    if (n < 2 || this.fellBack) return;
    this.splitting = false;
    // Ranges read again are bounded by their own chains' budgets, one chain per slice at most.
    this.pageLimit = Number.POSITIVE_INFINITY;
    this.queue = shortfallRanges(this.slices, o.to).map(([from, to]) => ({
      slice: undefined,
      range: { from, to },
    }));
    this.refill();
    yield* this.merged();
  }

  /** Waits for every chain still running (after an abort: their requests end at once). */
  async settle(): Promise<void> {
    await Promise.all([...this.running].map((r) => r.next));
  }

  /**
   * The server returned events that started after a slice's `to`: it does not honour the range,
   * so slices say nothing. The other slices stop after the page they wait for; the whole range is
   * read by one chain (the newest, if still running, reads on to its end; else a new one).
   */
  private fallBack(): void {
    if (this.fellBack) return;
    this.fellBack = true;
    this.splitting = false;
    this.queue = [];
    this.pageLimit = Number.POSITIVE_INFINITY;
    const newest = this.newest as Slice;
    for (const s of this.slices) s.lower = s === newest ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    const running = [...this.running].some((r) => r.slice === newest);
    if (!running) this.start({ slice: undefined, range: { from: this.o.from, to: this.o.to } });
  }

  private plan(newest: Slice, total: number, n: number): void {
    this.newest = newest;
    const { o } = this;
    this.queue = initialSlices(newest, o.from, n)
      .reverse()
      .map((slice) => ({ slice, range: { from: o.from, to: slice.upper } }));
    this.slices.push(...this.queue.map((j) => j.slice as Slice));
    this.splitting = true;
    this.density = total / Math.max(1, o.to - o.from);
    this.pageLimit = Math.min(o.maxPages, Math.ceil(total / o.pageSize));
    this.refill();
  }

  private start(job: Job): void {
    const slice = job.slice;
    const stopBefore = slice === undefined ? undefined : () => slice.lower;
    const run = { slice, chain: this.open(job.range, stopBefore, this.signal) } as Running;
    run.next = pull(run);
    this.running.add(run);
    this.chains++;
  }

  /** Starts chains up to the concurrency: queued ones first, then halves of running slices. */
  private refill(): void {
    while (this.running.size < this.width) {
      let job = this.queue.shift();
      if (job === undefined && this.splitting) {
        const live = [...this.running].flatMap((r) => (r.slice ? [r.slice] : []));
        const slice = splitLargest(live, this.density, this.o.pageSize);
        if (slice !== undefined) {
          this.slices.push(slice);
          job = { slice, range: { from: this.o.from, to: slice.upper } };
        }
      }
      if (job === undefined) return;
      this.start(job);
    }
  }

  /** The page pulled, or undefined when its chain ended; throws the chain's error. */
  private unwrap(p: Pulled): ChainPage | undefined {
    if (p.error !== undefined) {
      this.running.delete(p.run);
      throw p.error;
    }
    const r = p.result as IteratorResult<ChainPage>;
    if (r.done) {
      this.running.delete(p.run);
      return undefined;
    }
    p.run.next = pull(p.run);
    return r.value;
  }

  /** Yields pages of the running chains as they arrive, refilling as chains end. */
  private async *merged(): AsyncGenerator<ChainPage> {
    while (this.running.size > 0) {
      const p = await Promise.race([...this.running].map((r) => r.next));
      const page = this.unwrap(p);
      if (page === undefined) {
        this.refill();
        continue;
      }
      if (++this.pages > this.pageLimit + 2 * this.chains) {
        throw new DynatraceProtocolError(
          "paging_loop",
          `sliced read took more pages (${this.pages}) than its count allows; giving up this drain`,
        );
      }
      const slice = p.run.slice;
      if (slice !== undefined) account(slice, page.events, page.total);
      if (slice && !slice.newest && page.events.some((e) => e.startTime > slice.upper)) this.fallBack();
      yield { ...page, total: undefined };
    }
  }
}

function pull(run: Running): Promise<Pulled> {
  return run.chain.next().then(
    (result) => ({ run, result }),
    (error: unknown) => ({ run, error: error instanceof Error ? error : new Error("feed chain failed") }),
  );
}

/** Slices to start with: `width` when the stated count makes two slices' worth. */
function sliceCount(total: number | undefined, maxPages: number, pageSize: number, width: number): number {
  // A count at the FEED_MAX_PAGES cap (see `capped` in feed-pages.ts) may be a lie: read it as before.
  if (total === undefined || width < 2 || total >= maxPages * pageSize) return 1;
  const pages = Math.ceil(total / pageSize);
  if (pages < 2 * MIN_SLICE_PAGES) return 1;
  return Math.min(width, Math.floor(pages / MIN_SLICE_PAGES));
}
