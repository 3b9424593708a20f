import { DynatraceProtocolError } from "./errors.js";
import { countSkip, type FeedEvent, type SkipCounts, type SkipReason } from "./feed-event.js";

/** A feed page's body with its events array checked, and the events it holds, validated. */
export interface PageEvents {
  body: Record<string, unknown>;
  events: FeedEvent[];
  /** Events that were unusable, by reason; they are skipped, not fatal. */
  skipped: SkipCounts;
}

/**
 * Checks that a feed answer is an object with an `events` array and reduces each item with
 * `toFeedEvent` (the v1 or v2 reading of one event). An item that is not an object, or that
 * `toFeedEvent` turns down, costs only itself (counted in `skipped`); a body without the array
 * throws a `malformed_response` {@link DynatraceProtocolError} naming `feed`.
 */
export function pageEvents(
  body: unknown,
  feed: "v1" | "v2",
  toFeedEvent: (raw: Record<string, unknown>) => FeedEvent | SkipReason,
): PageEvents {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { events?: unknown }).events)) {
    throw new DynatraceProtocolError("malformed_response", `${feed} events response has no events array`);
  }
  const b = body as Record<string, unknown> & { events: unknown[] };
  const events: FeedEvent[] = [];
  const skipped: SkipCounts = {};
  for (const item of b.events) {
    const ev =
      typeof item === "object" && item !== null && !Array.isArray(item)
        ? toFeedEvent(item as Record<string, unknown>)
        : "not_an_object";
    if (typeof ev === "string") countSkip(skipped, ev);
    else events.push(ev);
  }
  return { body: b, events, skipped };
}
