import { severityOfEventType } from "./event-categories.js";
import { DynatraceProtocolError } from "./errors.js";
import { type FeedEvent, UNKNOWN } from "./feed-event.js";

/** One parsed page of `GET /api/v2/events`. */
export interface V2Page {
  events: FeedEvent[];
  /** Events without a usable id or start time; skipped, not fatal. */
  skipped: number;
  totalCount: number | undefined;
  nextPageKey: string | null;
}

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
      return IMPACT[value] ?? (value.trim() === "" ? UNKNOWN : value.toUpperCase());
    }
  }
  return UNKNOWN;
}

function toFeedEvent(raw: Record<string, unknown>): FeedEvent | undefined {
  const key = typeof raw.eventId === "string" && raw.eventId !== "" ? raw.eventId : undefined;
  const startTime = typeof raw.startTime === "number" ? raw.startTime : undefined;
  if (key === undefined || startTime === undefined) return undefined;
  const end = typeof raw.endTime === "number" ? raw.endTime : -1;
  const open = raw.status === "OPEN" || (raw.status !== "CLOSED" && end === -1);
  const eventType = typeof raw.eventType === "string" && raw.eventType !== "" ? raw.eventType : UNKNOWN;
  return {
    key,
    eventType,
    severityLevel: severityOfEventType(eventType) ?? UNKNOWN,
    impactLevel: impactOf(raw.properties),
    open,
    startTime,
    endTime: open ? -1 : end,
  };
}

/**
 * Validates and reduces a v2 events response. `endTime` null or -1 means open (the `status`
 * field decides when present); unknown fields and values pass through; a body that is not the
 * documented shape throws a {@link DynatraceProtocolError}.
 */
export function parseV2Page(body: unknown): V2Page {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { events?: unknown }).events)) {
    throw new DynatraceProtocolError("malformed_response", "v2 events response has no events array");
  }
  const b = body as Record<string, unknown> & { events: unknown[] };
  const events: FeedEvent[] = [];
  let skipped = 0;
  for (const item of b.events) {
    const ev =
      typeof item === "object" && item !== null ? toFeedEvent(item as Record<string, unknown>) : undefined;
    if (ev) events.push(ev);
    else skipped++;
  }
  const next = typeof b.nextPageKey === "string" && b.nextPageKey !== "" ? b.nextPageKey : null;
  return {
    events,
    skipped,
    totalCount: typeof b.totalCount === "number" ? b.totalCount : undefined,
    nextPageKey: next,
  };
}
