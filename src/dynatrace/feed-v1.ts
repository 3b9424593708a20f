import type { DynatraceClient } from "./client.js";
import { DynatraceProtocolError } from "./errors.js";
import { parseV1Page, V1_PAGE_SIZE, type V1Page } from "./events-v1.js";

/** The time range and filters of one read of the v1 feed. */
export interface V1Query {
  from: number;
  to: number;
  entityId?: string | undefined;
}

/** Endpoint name used in `dynatrace_api_requests_total{endpoint}`. */
export const V1_FEED_ENDPOINT = "v1_events";

const PATH = "/api/v1/events";

/**
 * Reads every page of `GET /api/v1/events` for `query`, newest first, yielding each page as it
 * arrives. Follows `nextCursor` where the server gives one, else the legacy continuation
 * (`to=nextEventStartTms`, dropping events repeated from the previous page). Throws a
 * `paging_loop` error when a cursor repeats, a legacy page makes no progress, or the page count
 * exceeds what the first page's `totalEventCount` allows; never loops forever.
 */
export async function* readV1Feed(
  client: DynatraceClient,
  query: V1Query,
  signal?: AbortSignal,
): AsyncGenerator<V1Page> {
  const base = new URLSearchParams({ from: String(query.from), to: String(query.to) });
  if (query.entityId) base.set("entityId", query.entityId);
  let params = base;
  const seenCursors = new Set<string>();
  let previousKeys = new Set<string>();
  let maxPages = Number.POSITIVE_INFINITY;
  let legacyTo = query.to;
  for (let pageNo = 1; ; pageNo++) {
    if (pageNo > maxPages) {
      throw new DynatraceProtocolError(
        "paging_loop",
        `v1 feed returned more pages (${pageNo - 1}) than its totalEventCount allows; giving up this drain`,
      );
    }
    const page = parseV1Page(await client.getJson(V1_FEED_ENDPOINT, PATH, params, signal));
    if (pageNo === 1 && page.totalEventCount !== undefined) {
      // Slack for events repeated across legacy pages and for events added while paging.
      maxPages = Math.ceil(page.totalEventCount / (V1_PAGE_SIZE / 2)) + 2;
    }
    const next = page.next;
    if (next.kind === "legacy") {
      const fresh = page.events.filter((e) => !previousKeys.has(e.key));
      if (pageNo > 1 && fresh.length === 0) {
        throw new DynatraceProtocolError(
          "paging_loop",
          "v1 legacy paging made no progress; giving up this drain",
        );
      }
      previousKeys = new Set(page.events.map((e) => e.key));
      yield { ...page, events: fresh };
      if (next.nextEventStartTms > legacyTo) {
        throw new DynatraceProtocolError("paging_loop", "v1 legacy continuation moved forward in time");
      }
      legacyTo = next.nextEventStartTms;
      params = new URLSearchParams(base);
      params.set("to", String(legacyTo));
      continue;
    }
    yield page;
    if (next.kind === "end") return;
    if (seenCursors.has(next.cursor)) {
      throw new DynatraceProtocolError("paging_loop", "v1 feed repeated a cursor; giving up this drain");
    }
    seenCursors.add(next.cursor);
    params = new URLSearchParams({ cursor: next.cursor });
  }
}
