import type { EnvironmentConfig } from "../config/types.js";
import type { DynatraceClient } from "../dynatrace/client.js";
import { V1_PAGE_SIZE } from "../dynatrace/events-v1.js";
import { V2_PAGE_SIZE } from "../dynatrace/events-v2.js";
import type { FeedEvent, SkipCounts } from "../dynatrace/feed-event.js";
import { readV1Feed } from "../dynatrace/feed-v1.js";
import { readV2Feed } from "../dynatrace/feed-v2.js";
import { DEFAULT_MAX_PAGES } from "../dynatrace/paging-limit.js";
import { extraLabelsOf, withExtraLabels } from "./event-dimensions.js";

/** A page of either API generation, reduced to what a drain needs. */
export interface FeedPage {
  events: FeedEvent[];
  skipped: SkipCounts;
  /**
   * The server's count of matching events (first page of a read), if it sent one, capped at what
   * the read may hold (FEED_MAX_PAGES full pages): a lying count cannot size anything beyond that.
   */
  total: number | undefined;
}

/**
 * How far back the v2 drains ask for open events: an event opened this long before the window is
 * still counted while it stays open (v1 cannot do this; see the README).
 */
export const V2_OPEN_LOOKBACK_MS = 30 * 86_400_000;

function capped(total: number | undefined, maxPages: number, pageSize: number): number | undefined {
  return total === undefined ? undefined : Math.min(total, maxPages * pageSize);
}

/**
 * Every page a drain of [from, to] reads, in the environment's API generation. v1: the feed for
 * the range. v2: the range (any status), then every open event since {@link V2_OPEN_LOOKBACK_MS},
 * with `eventSelector=status("OPEN")`; an event in both is upserted twice, harmlessly. Each read
 * is bounded by the environment's `maxPages`.
 */
export async function* feedPages(
  env: EnvironmentConfig,
  client: DynatraceClient,
  range: { from: number; to: number },
  signal?: AbortSignal,
): AsyncGenerator<FeedPage> {
  const maxPages = env.maxPages ?? DEFAULT_MAX_PAGES;
  if (env.apiVersion === "v1") {
    for await (const p of readV1Feed(client, { ...range, entityId: env.entityId, maxPages }, signal)) {
      yield {
        events: p.events,
        skipped: p.skipped,
        total: capped(p.totalEventCount, maxPages, V1_PAGE_SIZE),
      };
    }
    return;
  }
  const entitySelector = env.entityId ? `entityId("${env.entityId}")` : undefined;
  const extra = extraLabelsOf(env);
  const dimensions = extra.active;
  for await (const p of readV2Feed(client, { ...range, entitySelector, maxPages, dimensions }, signal)) {
    yield {
      events: withExtraLabels(p.events, extra),
      skipped: p.skipped,
      total: capped(p.totalCount, maxPages, V2_PAGE_SIZE),
    };
  }
  const open = {
    dimensions,
    from: range.to - V2_OPEN_LOOKBACK_MS,
    to: range.to,
    onlyOpen: true,
    entitySelector,
    maxPages,
  };
  for await (const p of readV2Feed(client, open, signal)) {
    yield { events: withExtraLabels(p.events, extra), skipped: p.skipped, total: undefined };
  }
}
