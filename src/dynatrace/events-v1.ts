import { DynatraceProtocolError } from "./errors.js";
import { severityOfEventType } from "./event-categories.js";
import { parseJsonExactIds } from "./exact-json.js";
import { type EventReading, pageEvents } from "./page-events.js";
import type { FeedEvent, SkipCounts, SkipReason } from "./feed-event.js";
import { labelValue, MAX_KEY_LENGTH, timeMs, UNKNOWN } from "./feed-event.js";

/** Continuation of a v1 feed page: a cursor (newer servers) or the legacy start/id pair. */
export type V1Continuation =
  | { kind: "cursor"; cursor: string }
  | { kind: "legacy"; nextEventStartTms: number; nextEventId: string | null }
  | { kind: "end" };

/** One parsed page of `GET /api/v1/events`. */
export interface V1Page {
  events: FeedEvent[];
  /** Events on the page that were unusable, by reason; they are skipped, not fatal. */
  skipped: SkipCounts;
  /**
   * Events of legacy milliseconds that no documented filter reaches, by millisecond (counted as
   * `legacy_millisecond` once per read, however often a read returns the millisecond).
   */
  unreadable?: ReadonlyMap<number, number>;
  totalEventCount: number | undefined;
  next: V1Continuation;
}

/** The v1 feed's fixed page size. */
export const V1_PAGE_SIZE = 150;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The canonical decimal text of a signed 64-bit event id, or undefined for anything else (`1.5`,
 * `1e+23`, 23 digits, `"abc"`, null). `-0` is 0. The exact-id pass hands integers over as text.
 */
export function int64Text(v: unknown): string | undefined {
  let text: string;
  if (typeof v === "string") text = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) text = String(v);
  else return undefined;
  if (!/^-?(?:0|[1-9]\d{0,18})$/.test(text)) return undefined;
  if (text === "-0") return "0";
  // Up to 18 digits always fits; only 19 need the range check (and its BigInt).
  if (text.length < (text.startsWith("-") ? 20 : 19)) return text;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n.toString();
}

/** The event's key: its `id` when usable, else `<eventId>_<startTime>`; else why there is none. */
function keyOf(raw: Record<string, unknown>, startTime: number): { key: string } | { skip: SkipReason } {
  const id = raw.id;
  if (typeof id === "string" && id !== "" && id.length <= MAX_KEY_LENGTH) return { key: id };
  const eventId = int64Text(raw.eventId);
  if (eventId !== undefined) return { key: `${eventId}_${startTime}` };
  const absent = (v: unknown) => v === undefined || v === null || v === "";
  return { skip: absent(raw.eventId) && absent(id) ? "missing_id" : "invalid_id" };
}

const V1_READING: EventReading = {
  startTime: (raw) => timeMs(raw.startTime),
  key: keyOf,
  end: (raw) => timeMs(raw.endTime) ?? -1,
  open: (raw, end) => end === -1 || raw.eventStatus === "OPEN",
  // Info events omit it; their type's category says INFO, as v2 derives it (so both agree).
  severity: (raw, eventType) =>
    str(raw.severityLevel) ? labelValue(raw.severityLevel) : (severityOfEventType(eventType) ?? UNKNOWN),
  impact: (raw) => labelValue(raw.impactLevel),
};

/**
 * Validates and reduces a v1 events response (already parsed with exact ids). Unknown fields and
 * unknown enum values pass through; an event without a usable id or start time costs only itself
 * (counted in `skipped`); a body that is not the documented shape throws a
 * {@link DynatraceProtocolError}.
 */
export function parseV1Page(body: unknown): V1Page {
  const { body: b, events, skipped } = pageEvents(body, "v1", V1_READING);
  return { events, skipped, totalEventCount: statedCount(b.totalEventCount), next: continuation(b) };
}

/** A count the server states, if it is a plausible one (a non-negative safe integer). */
export function statedCount(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
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

/** Longest `nextCursor` followed; Dynatrace's encode the query in a few hundred characters. */
const MAX_CURSOR_LENGTH = 8192;

function continuation(b: Record<string, unknown>): V1Continuation {
  const cursor = str(b.nextCursor);
  if (cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH) {
    // Sending it back would only make a huge request line, and remembering it (to catch a loop)
    // would let the server fill the heap a page at a time.
    throw new DynatraceProtocolError(
      "malformed_response",
      `v1 nextCursor is ${cursor.length} characters long`,
    );
  }
  if (cursor !== undefined) return { kind: "cursor", cursor };
  // A server that knows cursors says `nextCursor: null` on the last page; only servers without
  // the field use the legacy pair.
  const start = timeMs(b.nextEventStartTms);
  if (!("nextCursor" in b) && start !== undefined) {
    return { kind: "legacy", nextEventStartTms: start, nextEventId: int64Text(b.nextEventId) ?? null };
  }
  return { kind: "end" };
}
