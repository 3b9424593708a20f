import type { DynatraceClient } from "./client.js";
import { DynatraceProtocolError } from "./errors.js";
import { parseV2Page, V2_PAGE_SIZE, type V2Page } from "./events-v2.js";
import { DEFAULT_MAX_PAGES, PageBudget, SeenTokens } from "./paging-limit.js";

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
}

/** Endpoint name used in `dynatrace_api_requests_total{endpoint}`. */
export const V2_FEED_ENDPOINT = "v2_events";

const PATH = "/api/v2/events";

/**
 * Reads every page of `GET /api/v2/events` for `query` with `pageSize` 1000, following
 * `nextPageKey` (sent alone, as the API requires). The next page is requested before the current
 * one is yielded. A repeated key, or more pages than `totalCount` or `maxPages` allows (see
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
  const fetchPage = (params: URLSearchParams) => {
    const p = client.getJson(V2_FEED_ENDPOINT, PATH, params, signal, JSON.parse);
    p.catch(() => undefined); // awaited below; a read that stops early must not leave it unhandled
    return p;
  };
  let pending: Promise<unknown> | undefined = fetchPage(first);
  for (let pageNo = 1; pending !== undefined; pageNo++) {
    const page = parseV2Page(await pending, query.dimensions ?? false);
    budget ??= new PageBudget("v2", query.maxPages ?? DEFAULT_MAX_PAGES, {
      name: "totalCount",
      count: page.totalCount,
      perPage: V2_PAGE_SIZE,
    });
    pending = undefined;
    const key = page.nextPageKey;
    if (key !== null) {
      if (!seen.add(key)) {
        throw new DynatraceProtocolError("paging_loop", "v2 feed repeated a page key; giving up this drain");
      }
      budget.check(pageNo + 1);
      pending = fetchPage(new URLSearchParams({ nextPageKey: key }));
    }
    yield page;
  }
}
