import type { EnvironmentConfig } from "../config/types.js";
import type { DynatraceClient } from "../dynatrace/client.js";
import { V1_PAGE_SIZE } from "../dynatrace/events-v1.js";
import { V2_PAGE_SIZE } from "../dynatrace/events-v2.js";
import type { FeedEvent, SkipCounts } from "../dynatrace/feed-event.js";
import { readV1Feed } from "../dynatrace/feed-v1.js";
import { readV2Feed } from "../dynatrace/feed-v2.js";
import { DEFAULT_MAX_PAGES } from "../dynatrace/paging-limit.js";
import { extraLabelsOf, withExtraLabels } from "./event-dimensions.js";
import { type OpenChain, slicedRead } from "./sliced-read.js";

/** A page of either API generation, reduced to what a drain needs. */
export interface FeedPage {
  events: FeedEvent[];
  skipped: SkipCounts;
  /** v1: events of legacy milliseconds no filter reaches, by millisecond (see V1Page). */
  unreadable?: ReadonlyMap<number, number> | undefined;
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
 * is bounded by the environment's `maxPages`. A full read's range is read in time slices side by
 * side ({@link slicedRead}, `readConcurrency` at once); an incremental one is one chain.
 */
export async function* feedPages(
  env: EnvironmentConfig,
  client: DynatraceClient,
  range: { from: number; to: number; full?: boolean },
  signal?: AbortSignal,
): AsyncGenerator<FeedPage> {
  const maxPages = env.maxPages ?? DEFAULT_MAX_PAGES;
  const v1 = env.apiVersion === "v1";
  const pageSize = v1 ? V1_PAGE_SIZE : V2_PAGE_SIZE;
  const entitySelector = env.entityId ? `entityId("${env.entityId}")` : undefined;
  // Opt-in labels are read from v2 events only; a v1 environment's events keep their labels.
  const extra = extraLabelsOf(env);
  const dimensions = !v1 && extra.active;
  const label = (events: FeedEvent[]) => (dimensions ? withExtraLabels(events, extra) : events);
  const open: OpenChain = async function* (r, stopBefore, chainSignal) {
    const pages = v1
      ? readV1Feed(client, { ...r, entityId: env.entityId, maxPages, stopBefore }, chainSignal)
      : readV2Feed(client, { ...r, entitySelector, maxPages, stopBefore, dimensions }, chainSignal);
    for await (const p of pages) {
      const total = "totalEventCount" in p ? p.totalEventCount : p.totalCount;
      const unreadable = "unreadable" in p ? p.unreadable : undefined;
      yield {
        events: label(p.events),
        skipped: p.skipped,
        unreadable,
        total: capped(total, maxPages, pageSize),
      };
    }
  };
  const concurrency = range.full ? env.readConcurrency : 1;
  const fixed = env.readSlicing === "fixed";
  yield* slicedRead(open, { from: range.from, to: range.to, concurrency, fixed, pageSize, maxPages, signal });
  if (v1) return;
  const lookback = { from: range.to - V2_OPEN_LOOKBACK_MS, to: range.to, onlyOpen: true, dimensions };
  for await (const p of readV2Feed(client, { ...lookback, entitySelector, maxPages }, signal)) {
    yield { events: label(p.events), skipped: p.skipped, total: undefined };
  }
}
