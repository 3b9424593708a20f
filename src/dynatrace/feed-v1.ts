import type { DynatraceClient } from "./client.js";
import { DynatraceProtocolError } from "./errors.js";
import { parseV1Json, parseV1Page, V1_PAGE_SIZE, type V1Continuation, type V1Page } from "./events-v1.js";
import type { FeedEvent } from "./feed-event.js";
import { prefetchChain } from "./page-chain.js";
import { PagePacker, readMillisecond } from "./feed-v1-millisecond.js";
import { DEFAULT_MAX_PAGES, type PageBudget, readBudget, SeenTokens } from "./paging-limit.js";

/** The time range and filters of one read of the v1 feed. */
export interface V1Query {
  from: number;
  to: number;
  entityId?: string | undefined;
  /** Most pages one read may take (FEED_MAX_PAGES); default {@link DEFAULT_MAX_PAGES}. */
  maxPages?: number | undefined;
  /** Stop after the first page holding an event that started before this (a slice's lower bound). */
  stopBefore?: (() => number) | undefined;
}

/** Endpoint name used in `dynatrace_api_requests_total{endpoint}`. */
export const V1_FEED_ENDPOINT = "v1_events";

const PATH = "/api/v1/events";

/** Where paging stands between two pages; the guards that stop a server from looping us. */
class PagingState {
  readonly seenCursors = new SeenTokens();
  readonly seenLegacy = new Set<string>();
  previousKeys = new Set<string>();
  legacyTo: number;
  /**
   * The millisecond a legacy server cannot page past (more than 150 events in it: its only
   * continuation asks for that millisecond again); the chain ends there and it is read apart.
   */
  stuckAt: number | undefined;
  /** The events of the page last read (before repeats were dropped). */
  private lastPage: FeedEvent[] = [];

  constructor(
    readonly base: URLSearchParams,
    to: number,
  ) {
    this.legacyTo = to;
  }

  /** The query of the page after `page`, or undefined after the last; throws on a paging loop. */
  nextParams(next: V1Continuation): URLSearchParams | undefined {
    if (next.kind === "end" || this.stuckAt !== undefined) return undefined;
    if (next.kind === "cursor") {
      if (!this.seenCursors.add(next.cursor)) {
        throw new DynatraceProtocolError("paging_loop", "v1 feed repeated a cursor; giving up this drain");
      }
      return new URLSearchParams({ cursor: next.cursor });
    }
    // The continuation is the same query with an earlier `to`: one that does not move back asks
    // for the page just read again, so no honest server sends it (and an alternating one is caught
    // the first time it turns around).
    const pair = `${next.nextEventId}@${next.nextEventStartTms}`;
    if (next.nextEventStartTms === this.legacyTo && this.fullAt(this.legacyTo)) {
      this.stuckAt = this.legacyTo;
      return undefined;
    }
    if (next.nextEventStartTms >= this.legacyTo || this.seenLegacy.has(pair)) {
      throw new DynatraceProtocolError(
        "paging_loop",
        `v1 legacy continuation does not move back in time (to=${this.legacyTo}, nextEventStartTms=${next.nextEventStartTms}); giving up this drain`,
      );
    }
    this.seenLegacy.add(pair);
    this.legacyTo = next.nextEventStartTms;
    const params = new URLSearchParams(this.base);
    params.set("to", String(this.legacyTo));
    return params;
  }

  /** Keys of the events of the page last read. */
  lastKeys(): Set<string> {
    return new Set(this.lastPage.map((e) => e.key));
  }

  /**
   * Whether the page last read is what an honest server answers for a millisecond holding more
   * than a page: a full page, every event of it started in millisecond `ms`.
   */
  private fullAt(ms: number): boolean {
    return this.lastPage.length >= V1_PAGE_SIZE && this.lastPage.every((e) => e.startTime === ms);
  }

  /** Drops events a legacy page repeats from the previous one; throws when nothing is new. */
  freshEvents(page: V1Page, pageNo: number): V1Page {
    if (page.next.kind !== "legacy") return page;
    const fresh = page.events.filter((e) => !this.previousKeys.has(e.key));
    this.lastPage = page.events;
    if (
      pageNo > 1 &&
      fresh.length === 0 &&
      page.next.nextEventStartTms === this.legacyTo &&
      this.fullAt(this.legacyTo)
    ) {
      this.stuckAt = this.legacyTo;
      return { ...page, events: [] };
    }
    if (pageNo > 1 && fresh.length === 0) {
      throw new DynatraceProtocolError(
        "paging_loop",
        "v1 legacy paging made no progress; giving up this drain",
      );
    }
    this.previousKeys = new Set(page.events.map((e) => e.key));
    return { ...page, events: fresh };
  }
}

/**
 * Reads every page of `GET /api/v1/events` for `query`, newest first, yielding each page as it
 * arrives. Follows `nextCursor` where the server gives one, else the legacy continuation
 * (`to=nextEventStartTms`, dropping events repeated from the previous page). A legacy
 * continuation that asks for the same millisecond again (more than 150 events in it) ends the
 * chain there: that millisecond is read apart by filters ({@link readMillisecond}) and a new
 * chain goes on below it. Throws a `paging_loop` error when a cursor repeats, a legacy
 * continuation moves forward in time or repeats, a legacy page makes no progress (other than at
 * such a millisecond), or the read needs more pages than the first page's
 * `totalEventCount` allows or than `maxPages` (see {@link PageBudget}); never loops forever.
 *
 * The next page is requested before the current one is yielded ({@link prefetchChain}); no request
 * is made beyond the last page, nor beyond the page that reaches `stopBefore`.
 */
export async function* readV1Feed(
  client: DynatraceClient,
  query: V1Query,
  signal?: AbortSignal,
): AsyncGenerator<V1Page> {
  const fetchPage = (params: URLSearchParams) =>
    client.getJson(V1_FEED_ENDPOINT, PATH, params, signal, parseV1Json);
  // One budget for the whole read: a chain that restarts below a millisecond it read apart
  // continues the page count of the chains before it.
  const paging = { budget: undefined as PageBudget | undefined, pages: 0 };
  const maxFiltered = query.maxPages ?? DEFAULT_MAX_PAGES;
  let filtered = 0;
  // Filtered reads of stuck milliseconds have an allowance of their own (FEED_MAX_PAGES a read):
  // one millisecond can need a read per event type, which a small feed's page budget would refuse.
  const spend = () => {
    if (++filtered <= maxFiltered) return;
    throw new DynatraceProtocolError(
      "paging_loop",
      `v1 legacy milliseconds need more than ${maxFiltered} filtered reads (FEED_MAX_PAGES); giving up this drain`,
    );
  };
  // Once a millisecond was read apart, pages go out regrouped (PagePacker).
  let packer: PagePacker | undefined;
  for (let to = query.to; ;) {
    const base = new URLSearchParams({ from: String(query.from), to: String(to) });
    if (query.entityId) base.set("entityId", query.entityId);
    const state = new PagingState(base, to);
    for await (const page of prefetchChain(
      fetchPage,
      base,
      chainStep(state, query, paging),
      query.stopBefore,
    )) {
      if (packer) yield* packer.add(page);
      else yield page;
    }
    const ms = state.stuckAt;
    if (ms === undefined) break;
    packer ??= new PagePacker();
    for await (const page of readMillisecond(fetchPage, base, ms, spend, state.lastKeys())) {
      yield* packer.add(page);
    }
    const bound = Math.max(query.from, query.stopBefore?.() ?? query.from);
    if (ms - 1 < bound) break;
    // The chain below the millisecond starts with a page of the read's budget.
    paging.budget?.check(paging.pages + 1);
    to = ms - 1;
  }
  if (packer) yield* packer.flush();
}

/** Turns each answer of one chain into its page and the query of the next, within the read's budget. */
function chainStep(
  state: PagingState,
  query: V1Query,
  paging: { budget: PageBudget | undefined; pages: number },
) {
  return (body: unknown, chainPageNo: number) => {
    const page = parseV1Page(body);
    const pageNo = ++paging.pages;
    // Half a page per page: slack for events repeated across legacy pages.
    const stated = { name: "totalEventCount", count: page.totalEventCount, perPage: V1_PAGE_SIZE / 2 };
    const b = (paging.budget ??= readBudget("v1", query.maxPages, stated));
    const fresh = state.freshEvents(page, chainPageNo);
    const next = () => {
      const params = state.nextParams(page.next);
      if (params !== undefined) b.check(pageNo + 1);
      return params;
    };
    return { page: fresh, next };
  };
}
