import { severityOfEventType } from "./event-categories.js";
import { DynatraceProtocolError } from "./errors.js";
import { statedCount } from "./events-v1.js";
import { itemDimensions } from "./item-dimensions.js";
import { type EventReading, pageEvents } from "./page-events.js";
import type { FeedEvent, SkipCounts, SkipReason } from "./feed-event.js";
import { labelValue, MAX_KEY_LENGTH, timeMs, UNKNOWN } from "./feed-event.js";

/** One parsed page of `GET /api/v2/events`. */
export interface V2Page {
  events: FeedEvent[];
  /** Events without a usable id or start time, by reason; skipped, not fatal. */
  skipped: SkipCounts;
  totalCount: number | undefined;
  nextPageKey: string | null;
}

/** Longest `nextPageKey` followed; Dynatrace's are a few hundred characters. */
const MAX_PAGE_KEY_LENGTH = 8192;

/** The v2 feed's largest page. */
export const V2_PAGE_SIZE = 1000;

/** `dt.event.impact_level` values in the v1 spelling. */
const IMPACT: Record<string, string> = {
  Infrastructure: "INFRASTRUCTURE",
  Services: "SERVICE",
  Service: "SERVICE",
  Application: "APPLICATION",
  Environment: "ENVIRONMENT",
};

function impactOf(properties: unknown): string {
  if (!Array.isArray(properties)) return UNKNOWN;
  for (const p of properties as unknown[]) {
    const { key, value } = (p ?? {}) as { key?: unknown; value?: unknown };
    if (key === "dt.event.impact_level" && typeof value === "string") {
      return IMPACT[value] ?? labelValue(value.toUpperCase());
    }
  }
  return UNKNOWN;
}

function keyOf(raw: Record<string, unknown>): { key: string } | { skip: SkipReason } {
  const id = raw.eventId;
  if (typeof id === "string" && id !== "" && id.length <= MAX_KEY_LENGTH) return { key: id };
  return { skip: id === undefined || id === null || id === "" ? "missing_id" : "invalid_id" };
}

const V2_READING: EventReading = {
  startTime: (raw) => (typeof raw.startTime === "number" ? timeMs(raw.startTime) : undefined),
  key: keyOf,
  end: (raw) => (typeof raw.endTime === "number" ? (timeMs(raw.endTime) ?? -1) : -1),
  open: (raw, end) => raw.status === "OPEN" || (raw.status !== "CLOSED" && end === -1),
  severity: (_raw, eventType) => severityOfEventType(eventType) ?? UNKNOWN,
  impact: (raw) => impactOf(raw.properties),
};

const V2_READING_WITH_DIMENSIONS: EventReading = { ...V2_READING, dimensions: itemDimensions };

/**
 * Validates and reduces a v2 events response. `endTime` null or -1 means open (the `status`
 * field decides when present); unknown fields and values pass through; a body that is not the
 * documented shape throws a {@link DynatraceProtocolError}. With `dimensions`, each event also
 * carries its zones, entity type and tags (opt-in labels).
 */
export function parseV2Page(body: unknown, dimensions = false): V2Page {
  const reading = dimensions ? V2_READING_WITH_DIMENSIONS : V2_READING;
  const { body: b, events, skipped } = pageEvents(body, "v2", reading);
  const key = b.nextPageKey;
  const next = typeof key === "string" && key !== "" ? key : null;
  if (next !== null && next.length > MAX_PAGE_KEY_LENGTH) {
    // Sending it back would only make a huge request line; the page cannot be continued.
    throw new DynatraceProtocolError(
      "malformed_response",
      `v2 nextPageKey is ${next.length} characters long`,
    );
  }
  return {
    events,
    skipped,
    totalCount: statedCount(b.totalCount),
    nextPageKey: next,
  };
}
