import type { SkipCounts, SkipReason } from "../dynatrace/feed-event.js";
import type { Logger } from "../log/logger.js";
import type { FeedMetrics } from "../metrics/feed-metrics.js";

/** Adds a page's skipped events to a drain's tally. */
export function addSkipped(into: SkipCounts, page: SkipCounts): void {
  for (const [reason, n] of Object.entries(page)) {
    into[reason as SkipReason] = (into[reason as SkipReason] ?? 0) + n;
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
