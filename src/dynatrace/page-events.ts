import { DynatraceProtocolError } from "./errors.js";
import { countSkip, type FeedEvent, labelValue, type SkipCounts, type SkipReason } from "./feed-event.js";
import type { ItemDimensions } from "./item-dimensions.js";

/** How one API generation reads the fields of a raw event; {@link readEvent} does the rest. */
export interface EventReading {
  /** The start time (ms), or undefined when it is not a plausible time. */
  startTime(raw: Record<string, unknown>): number | undefined;
  /** The event's exact key, or why it has none. */
  key(raw: Record<string, unknown>, startTime: number): { key: string } | { skip: SkipReason };
  /** The end time (ms); -1 when open or not said. */
  end(raw: Record<string, unknown>): number;
  open(raw: Record<string, unknown>, end: number): boolean;
  /** The severity label value, given the event type's label value. */
  severity(raw: Record<string, unknown>, eventType: string): string;
  /** The impact level label value. */
  impact(raw: Record<string, unknown>): string;
  /** The item's zones, entity type and tags, when opt-in labels are on (v2 only). */
  dimensions?(raw: Record<string, unknown>): ItemDimensions;
}

/**
 * One raw event reduced to a {@link FeedEvent} with `reading`, or the reason it is skipped (no
 * usable start time or key). An open event's end is -1 whatever the server wrote.
 */
export function readEvent(raw: Record<string, unknown>, reading: EventReading): FeedEvent | SkipReason {
  const startTime = reading.startTime(raw);
  if (startTime === undefined) return "invalid_start_time";
  const k = reading.key(raw, startTime);
  if ("skip" in k) return k.skip;
  const end = reading.end(raw);
  const open = reading.open(raw, end);
  const eventType = labelValue(raw.eventType);
  const ev: FeedEvent = {
    key: k.key,
    eventType,
    severityLevel: reading.severity(raw, eventType),
    impactLevel: reading.impact(raw),
    open,
    startTime,
    endTime: open ? -1 : end,
  };
  if (reading.dimensions) ev.dimensions = reading.dimensions(raw);
  return ev;
}

/** A feed page's body with its events array checked, and the events it holds, validated. */
export interface PageEvents {
  body: Record<string, unknown>;
  events: FeedEvent[];
  /** Events that were unusable, by reason; they are skipped, not fatal. */
  skipped: SkipCounts;
}

/**
 * Checks that a feed answer is an object with an `events` array and reduces each item with
 * {@link readEvent} (the v1 or v2 `reading`). An item that is not an object, or that has no
 * usable start time or key, costs only itself (counted in `skipped`); a body without the array
 * throws a `malformed_response` {@link DynatraceProtocolError} naming `feed`.
 */
export function pageEvents(body: unknown, feed: "v1" | "v2", reading: EventReading): PageEvents {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { events?: unknown }).events)) {
    throw new DynatraceProtocolError("malformed_response", `${feed} events response has no events array`);
  }
  const b = body as Record<string, unknown> & { events: unknown[] };
  const events: FeedEvent[] = [];
  const skipped: SkipCounts = {};
  for (const item of b.events) {
    const ev =
      typeof item === "object" && item !== null && !Array.isArray(item)
        ? readEvent(item as Record<string, unknown>, reading)
        : "not_an_object";
    if (typeof ev === "string") countSkip(skipped, ev);
    else events.push(ev);
  }
  return { body: b, events, skipped };
}
