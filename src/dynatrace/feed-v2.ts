import type { DynatraceClient } from "./client.js";
import { DynatraceProtocolError } from "./errors.js";
import { parseV2Page, V2_PAGE_SIZE, type V2Page } from "./events-v2.js";
import { prefetchChain } from "./page-chain.js";
import { type PageBudget, readBudget, SeenTokens } from "./paging-limit.js";

/** One read of the v2 feed: a timeframe, optionally only open events. */
export interface V2Query {
  from: number;
  to: number;
  onlyOpen?: boolean;
  entitySelector?: string | undefined;
  /** Most pages one read may take (FEED_MAX_PAGES); default {@link DEFAULT_MAX_PAGES}. */
  maxPages?: number | undefined;
  /** Read each event's zones, entity type and tags (opt-in labels). */
  dimensions?: boolean;
  /** Stop after the first page holding an event that started before this (a slice's lower bound). */
  stopBefore?: (() => number) | undefined;
}

/** Endpoint name used in `dynatrace_api_requests_total{endpoint}`. */
export const V2_FEED_ENDPOINT = "v2_events";

const PATH = "/api/v2/events";

/**
 * Reads every page of `GET /api/v2/events` for `query` with `pageSize` 1000, following
 * `nextPageKey` (sent alone, as the API requires). The next page is requested before the current
 * one is yielded ({@link prefetchChain}), unless the page reaches `stopBefore`. A repeated key, or more pages than `totalCount` or `maxPages` allows (see
 * {@link PageBudget}), ends the read with a `paging_loop` error.
 */
export async function* readV2Feed(
  client: DynatraceClient,
  query: V2Query,
  signal?: AbortSignal,
): AsyncGenerator<V2Page> {
  const first = new URLSearchParams({
    from: String(query.from),
    to: String(query.to),
    pageSize: String(V2_PAGE_SIZE),
  });
  if (query.onlyOpen) first.set("eventSelector", 'status("OPEN")');
  if (query.entitySelector) first.set("entitySelector", query.entitySelector);
  const seen = new SeenTokens();
  let budget: PageBudget | undefined;
  const step = (body: unknown, pageNo: number) => {
    const page = parseV2Page(body, query.dimensions ?? false);
    const b = (budget ??= readBudget("v2", query.maxPages, {
      name: "totalCount",
      count: page.totalCount,
      perPage: V2_PAGE_SIZE,
    }));
    const next = () => {
      const key = page.nextPageKey;
      if (key === null) return undefined;
      if (!seen.add(key)) {
        throw new DynatraceProtocolError("paging_loop", "v2 feed repeated a page key; giving up this drain");
      }
      b.check(pageNo + 1);
      return new URLSearchParams({ nextPageKey: key });
    };
    return { page, next };
  };
  const fetchPage = (params: URLSearchParams) =>
    client.getJson(V2_FEED_ENDPOINT, PATH, params, signal, JSON.parse);
  yield* prefetchChain(fetchPage, first, step, query.stopBefore);
}
