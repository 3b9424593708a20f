import type { SimEventStore } from "./sim-store.js";
import { V2_FEED_PATH } from "./sim-options.js";
import { type CursorFault, type V1FeedOptions, v1FeedPage } from "./v1-feed.js";
import { type OpenEndTime, v2FeedPage } from "./v2-feed.js";

/**
 * The read side of the events API: renders one page of the v1 or v2 feed (throwing `BadRequest`
 * for a request the feed refuses), with an optional cache of rendered v1 pages keyed by query and
 * store version, so that a benchmark measures the client rather than the simulator.
 */
export class FeedEndpoints {
  private readonly pageCache: Map<string, string> | undefined;

  constructor(
    private readonly store: SimEventStore,
    private readonly feed: V1FeedOptions,
    private readonly v2OpenEndTime: OpenEndTime,
    private readonly clock: () => number,
    cachePages: boolean,
  ) {
    this.pageCache = cachePages ? new Map() : undefined;
  }

  /** The page a GET of `path` (v1 or v2 feed) answers. */
  page(path: string, url: URL, cursorFault: CursorFault): string {
    if (path === V2_FEED_PATH)
      return v2FeedPage(this.store, url.searchParams, this.clock(), this.v2OpenEndTime);
    if (!this.pageCache || cursorFault) {
      return v1FeedPage(this.store, url.searchParams, this.clock(), this.feed, cursorFault);
    }
    const key = `${this.store.version}${url.pathname}${url.search}`;
    let body = this.pageCache.get(key);
    if (body === undefined) {
      body = v1FeedPage(this.store, url.searchParams, this.clock(), this.feed);
      this.pageCache.set(key, body);
    }
    return body;
  }
}
