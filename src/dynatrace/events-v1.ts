import { DynatraceProtocolError } from "./errors.js";
import { severityOfEventType } from "./event-categories.js";
import { parseJsonExactIds } from "./exact-json.js";
import { type FeedEvent, UNKNOWN } from "./feed-event.js";

/** Continuation of a v1 feed page: a cursor (newer servers) or the legacy start/id pair. */
export type V1Continuation =
  | { kind: "cursor"; cursor: string }
  | { kind: "legacy"; nextEventStartTms: number; nextEventId: string | null }
  | { kind: "end" };

/** One parsed page of `GET /api/v1/events`. */
export interface V1Page {
  events: FeedEvent[];
  /** Events on the page that were unusable (no id at all); they are skipped, not fatal. */
  skipped: number;
  totalEventCount: number | undefined;
  next: V1Continuation;
}

/** The v1 feed's fixed page size. */
export const V1_PAGE_SIZE = 150;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

function toFeedEvent(raw: Record<string, unknown>): FeedEvent | undefined {
  const startTime = num(raw.startTime);
  const eventId = str(raw.eventId);
  const key =
    str(raw.id) ?? (eventId !== undefined && startTime !== undefined ? `${eventId}_${startTime}` : undefined);
  if (key === undefined || startTime === undefined) return undefined;
  const endTime = num(raw.endTime) ?? -1;
  const open = endTime === -1 || raw.eventStatus === "OPEN";
  return {
    key,
    eventType: str(raw.eventType) ?? UNKNOWN,
    // Info events omit it; their type's category says INFO, as v2 derives it (so both agree).
    severityLevel: str(raw.severityLevel) ?? severityOfEventType(str(raw.eventType) ?? "") ?? UNKNOWN,
    impactLevel: str(raw.impactLevel) ?? UNKNOWN,
    open,
    startTime,
    endTime: open ? -1 : endTime,
  };
}

/**
 * Validates and reduces a v1 events response (already parsed with exact ids). Unknown fields and
 * unknown enum values pass through; a body that is not the documented shape throws a
 * {@link DynatraceProtocolError}.
 */
export function parseV1Page(body: unknown): V1Page {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { events?: unknown }).events)) {
    throw new DynatraceProtocolError("malformed_response", "v1 events response has no events array");
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
  return { events, skipped, totalEventCount: num(b.totalEventCount), next: continuation(b) };
}

/**
 * Parses the text of a feed page. Exact 64-bit ids matter only where an event has no string `id`
 * (its key is then built from `eventId`) or where legacy paging continues from `nextEventId`;
 * pages of newer servers need neither, so they take plain JSON.parse and skip the quoting pass.
 */
export function parseV1Json(text: string): unknown {
  const fast: unknown = JSON.parse(text);
  return needsExactIds(fast) ? parseJsonExactIds(text) : fast;
}

function needsExactIds(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  if (!("nextCursor" in b) && b.nextEventId !== null && b.nextEventId !== undefined) return true;
  if (!Array.isArray(b.events)) return false;
  for (const e of b.events as unknown[]) {
    if (
      typeof e !== "object" ||
      e === null ||
      typeof (e as { id?: unknown }).id !== "string" ||
      (e as { id: string }).id === ""
    ) {
      return true;
    }
  }
  return false;
}

function continuation(b: Record<string, unknown>): V1Continuation {
  const cursor = str(b.nextCursor);
  if (cursor !== undefined) return { kind: "cursor", cursor };
  // A server that knows cursors says `nextCursor: null` on the last page; only servers without
  // the field use the legacy pair.
  const start = num(b.nextEventStartTms);
  if (!("nextCursor" in b) && start !== undefined) {
    return { kind: "legacy", nextEventStartTms: start, nextEventId: str(b.nextEventId) ?? null };
  }
  return { kind: "end" };
}
