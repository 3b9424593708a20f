import { compareNewestFirst, eventToJson, type SimEvent } from "./sim-event.js";
import type { SimEventStore, SimQuery } from "./sim-store.js";

/** How the simulated feed pages. */
export interface V1FeedOptions {
  pageSize: number;
  /** `cursor`: newer servers (`nextCursor`); `legacy`: only `nextEventStartTms`/`nextEventId`. */
  paging: "cursor" | "legacy";
  /** Whether events carry the string `id` (newer servers only). */
  withIdField: boolean;
}

/** A request the feed rejects; becomes a 400 in the error envelope. */
export class BadRequest extends Error {}

const RELATIVE: Record<string, number> = {
  min: 60_000,
  "5mins": 300_000,
  "10mins": 600_000,
  "15mins": 900_000,
  "30mins": 1_800_000,
  hour: 3_600_000,
  "2hours": 7_200_000,
  "6hours": 21_600_000,
  day: 86_400_000,
  "3days": 259_200_000,
  week: 604_800_000,
  month: 2_592_000_000,
};

interface CursorState {
  q: SimQuery;
  afterStart: number;
  afterId: string;
  /** Makes otherwise equal cursors differ (the endless-cursor fault). */
  nonce?: number;
}

/** Misbehaviours of the cursor the feed hands out. */
export type CursorFault = "repeat" | "endless" | undefined;

function encodeCursor(c: CursorState): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(text: string): CursorState {
  try {
    const c = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as CursorState;
    if (typeof c.q?.from !== "number" || typeof c.afterStart !== "number") throw new Error();
    BigInt(c.afterId);
    return c;
  } catch {
    throw new BadRequest("The cursor is invalid.");
  }
}

function parseMs(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null) return undefined;
  if (!/^-?\d+$/.test(v)) throw new BadRequest(`Parameter '${name}' must be an integer (UTC milliseconds).`);
  return Number(v);
}

function queryFromParams(params: URLSearchParams, now: number): SimQuery {
  const rel = params.get("relativeTime");
  if (rel !== null && RELATIVE[rel] === undefined) throw new BadRequest(`Unknown relativeTime '${rel}'.`);
  const to = parseMs(params, "to") ?? now;
  const from = parseMs(params, "from") ?? to - (rel !== null ? (RELATIVE[rel] as number) : 30 * 86_400_000);
  if (from > to) throw new BadRequest("'from' must not be after 'to'.");
  return {
    from,
    to,
    entityId: params.get("entityId") ?? undefined,
    eventType: params.get("eventType") ?? undefined,
  };
}

/** Index of the first event that comes strictly after (startTime, id) in feed order. */
function indexAfter(result: SimEvent[], startTime: number, id: bigint): number {
  const pivot = { startTime, eventId: id } as SimEvent;
  let lo = 0;
  let hi = result.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareNewestFirst(result[mid] as SimEvent, pivot) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Answers `GET /api/v1/events` with one page as raw JSON text (64-bit ids as bare numbers).
 * `cursorFault` makes the page hand back the cursor it was asked with, or a new one forever.
 */
export function v1FeedPage(
  store: SimEventStore,
  params: URLSearchParams,
  now: number,
  opts: V1FeedOptions,
  cursorFault: CursorFault = undefined,
): string {
  const cursorText = params.get("cursor");
  const cursor = cursorText ? decodeCursor(cursorText) : undefined;
  const q = cursor?.q ?? queryFromParams(params, now);
  const result = store.query(q);
  const start = cursor ? indexAfter(result, cursor.afterStart, BigInt(cursor.afterId)) : 0;
  const page = result.slice(start, start + opts.pageSize);
  const following = result[start + opts.pageSize];
  const last = page[page.length - 1];
  const head: string[] = [];
  if (opts.paging === "cursor") {
    const position = last ?? {
      startTime: cursor?.afterStart ?? q.to + 1,
      eventId: BigInt(cursor?.afterId ?? 0),
    };
    const nonce = cursorFault === "endless" ? (cursor?.nonce ?? 0) + 1 : undefined;
    const next =
      cursorFault === "repeat" && cursorText
        ? cursorText
        : following || nonce !== undefined
          ? encodeCursor({ q, afterStart: position.startTime, afterId: position.eventId.toString(), nonce })
          : null;
    head.push(`"nextCursor":${JSON.stringify(next)}`);
  }
  head.push(`"nextEventStartTms":${following ? following.startTime : null}`);
  head.push(`"nextEventId":${following ? following.eventId.toString() : null}`);
  head.push(`"from":${q.from}`, `"to":${q.to}`, `"totalEventCount":${result.length}`);
  const events = page.map((e) => eventToJson(e, opts.withIdField)).join(",");
  return `{${head.join(",")},"events":[${events}]}`;
}
