import { createHash } from "node:crypto";
import { DynatraceProtocolError } from "./errors.js";

/** Default FEED_MAX_PAGES: 10,000 pages hold 1.5 million v1 events (150 a page), 10 million v2. */
export const DEFAULT_MAX_PAGES = 10_000;

/**
 * How many pages one read of a feed may take before it is a `paging_loop`. A count the server
 * states bounds the read at the pages that count needs (`perPage` events a page) plus two, for
 * events added while paging; without a count, or with one beyond it, `maxPages` (FEED_MAX_PAGES)
 * does. Either way the read ends: no server can page us forever.
 */
export class PageBudget {
  readonly allowed: number;

  constructor(
    private readonly feed: string,
    private readonly maxPages: number,
    private readonly stated: { name: string; count: number | undefined; perPage: number },
  ) {
    const byCount =
      stated.count === undefined ? Number.POSITIVE_INFINITY : Math.ceil(stated.count / stated.perPage) + 2;
    this.allowed = Math.min(maxPages, byCount);
  }

  /** Throws the `paging_loop` error when page `pageNo` (1-based) would break the budget. */
  check(pageNo: number): void {
    if (pageNo <= this.allowed) return;
    const { name, count } = this.stated;
    const why =
      this.allowed < this.maxPages
        ? `more pages than its ${name} (${count}) allows (${this.allowed})`
        : `no last page within ${this.maxPages} pages (FEED_MAX_PAGES)`;
    throw new DynatraceProtocolError(
      "paging_loop",
      `${this.feed} feed returned ${why}; giving up this drain`,
    );
  }
}

/** The {@link PageBudget} of a read whose first page states `count` (as `name`); `maxPages` unset: the default. */
export function readBudget(
  feed: string,
  maxPages: number | undefined,
  stated: { name: string; count: number | undefined; perPage: number },
): PageBudget {
  return new PageBudget(feed, maxPages ?? DEFAULT_MAX_PAGES, stated);
}

/**
 * The continuation tokens (cursors, page keys) one read has followed, kept as digests: a loop is
 * caught however long the tokens are, and a read of many pages costs 20 bytes a page, not a copy
 * of every token.
 */
export class SeenTokens {
  private readonly digests = new Set<string>();

  /** Records `token`; false when it was seen before in this read. */
  add(token: string): boolean {
    const digest = createHash("sha1").update(token).digest("base64");
    if (this.digests.has(digest)) return false;
    this.digests.add(digest);
    return true;
  }
}
