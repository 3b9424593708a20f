import type { FeedEvent } from "./feed-event.js";

/** What one page of a chain gives: the page to yield, and how to ask for the one after it. */
export interface ChainStep<P> {
  page: P;
  /**
   * The next page's query, or undefined after the last page. Called only when the next page is
   * wanted, so its loop guards and page budget apply only to pages that are requested.
   */
  next: () => URLSearchParams | undefined;
}

/**
 * Follows a chain of feed pages (v1 cursors or legacy continuations, v2 page keys): fetches
 * `first`, turns each answer into a page with `step`, and requests the next page before yielding
 * the current one, so that the caller's work on a page overlaps the server's work on the next. No
 * request is made beyond the last page, nor beyond a page holding an event that started before
 * `stopBefore()` (a time slice's lower bound, read at each page because it may move while the
 * chain runs). One request is in flight at a time; a fetch the caller never awaits (it stopped
 * early) is still handled, so it cannot become an unhandled rejection.
 */
export async function* prefetchChain<P extends { events: FeedEvent[] }>(
  fetchPage: (params: URLSearchParams) => Promise<unknown>,
  first: URLSearchParams,
  step: (body: unknown, pageNo: number) => ChainStep<P>,
  stopBefore?: () => number,
): AsyncGenerator<P> {
  const fetch = (params: URLSearchParams) => {
    const p = fetchPage(params);
    p.catch(() => undefined); // awaited below; a chain that stops early must not leave it unhandled
    return p;
  };
  let pending: Promise<unknown> | undefined = fetch(first);
  for (let pageNo = 1; pending !== undefined; pageNo++) {
    const { page, next } = step(await pending, pageNo);
    const bound = stopBefore?.();
    const reached = bound !== undefined && page.events.some((e) => e.startTime < bound);
    const params = reached ? undefined : next();
    pending = params === undefined ? undefined : fetch(params);
    yield page;
  }
}
