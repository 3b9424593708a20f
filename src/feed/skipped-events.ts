import type { SkipCounts, SkipReason } from "../dynatrace/feed-event.js";
import { keepLargest } from "../dynatrace/feed-v1-millisecond.js";
import type { Logger } from "../log/logger.js";
import type { FeedMetrics } from "../metrics/feed-metrics.js";

/**
 * A drain's tally of skipped events. Unusable events are counted per page; the unreachable events
 * of a legacy millisecond per millisecond, once (the largest count read): a sliced read reads a
 * range again when it came up short of its stated count, and a millisecond with unreachable events
 * always does, so adding them per page would count them twice.
 */
export class DrainSkips {
  readonly counts: SkipCounts = {};
  private readonly unreadable = new Map<number, number>();

  /** Adds a page's skipped events. */
  add(page: { skipped: SkipCounts; unreadable?: ReadonlyMap<number, number> | undefined }): void {
    for (const [reason, n] of Object.entries(page.skipped)) {
      this.counts[reason as SkipReason] = (this.counts[reason as SkipReason] ?? 0) + n;
    }
    keepLargest(this.unreadable, page.unreadable);
  }

  /** Every skip counted, the unreachable ones as `legacy_millisecond`. */
  total(): SkipCounts {
    let n = 0;
    for (const m of this.unreadable.values()) n += m;
    return n > 0
      ? { ...this.counts, legacy_millisecond: (this.counts.legacy_millisecond ?? 0) + n }
      : this.counts;
  }
}

/**
 * Counts a drain's skipped events in `dynatrace_events_skipped_total{reason}` and logs them in one
 * warning per drain (a page of a thousand bad events must not write a thousand lines).
 */
export function reportSkipped(
  skipped: SkipCounts,
  environment: string,
  metrics: FeedMetrics,
  logger: Logger,
): void {
  const entries = Object.entries(skipped);
  if (entries.length === 0) return;
  for (const [reason, n] of entries) metrics.eventsSkipped.inc({ environment, reason }, n);
  logger.warn(
    { environment, skipped },
    "skipped events: no usable id or start time, or (legacy_millisecond) beyond what a legacy v1 server's documented filters reach in one millisecond; each costs only itself",
  );
}
