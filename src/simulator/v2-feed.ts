import { entityTagsOf, managementZonesOf } from "./entity-meta.js";
import { compareNewestFirst, type SimEvent } from "./sim-event.js";
import type { SimEventStore, SimQuery } from "./sim-store.js";
import { parseTime, splitTop, unquote } from "./api-params.js";
import { BadRequest } from "./v1-feed.js";

/** v2 spells the impact level as a property value; v1 as an enum. */
const IMPACT_PROPERTY: Record<string, string> = {
  INFRASTRUCTURE: "Infrastructure",
  SERVICE: "Services",
  APPLICATION: "Application",
  ENVIRONMENT: "Environment",
};

/** Event types whose v2 name differs from v1's. */
const V2_EVENT_TYPE: Record<string, string> = { RESOURCE_CONTENTION: "RESOURCE_CONTENTION_EVENT" };

/** How the simulated v2 feed writes open events' `endTime` (the spec says null; -1 is seen). */
export type OpenEndTime = "null" | "-1";

interface PageKey {
  q: SimQuery;
  status: "OPEN" | "CLOSED" | undefined;
  correlationId?: string;
  pageSize: number;
  afterStart: number;
  afterId: string;
}

/** v1 (store) names of v2 event types that differ. */
const V1_EVENT_TYPE: Record<string, string> = { RESOURCE_CONTENTION_EVENT: "RESOURCE_CONTENTION" };

type SelectorFilters = Pick<PageKey, "status" | "correlationId"> & Pick<SimQuery, "eventType" | "entityId">;

/** Parses `eventSelector`: `status`, `correlationId`, `eventType`, `entityId`, AND-ed; else 400. */
function parseSelector(selector: string | null): SelectorFilters {
  const out: SelectorFilters = { status: undefined };
  for (const part of selector === null ? [] : splitTop(selector)) {
    const m = /^(status|correlationId|eventType|entityId)\("([^"]*)"\)$/.exec(part);
    const value = m ? unquote(`"${m[2]}"`) : "";
    if (m?.[1] === "status" && /^(open|closed)$/i.test(value))
      out.status = value.toUpperCase() as "OPEN" | "CLOSED";
    else if (m?.[1] === "correlationId") out.correlationId = value;
    else if (m?.[1] === "eventType") out.eventType = V1_EVENT_TYPE[value] ?? value;
    else if (m?.[1] === "entityId") out.entityId = value;
    else {
      throw new BadRequest(
        `The simulator supports only eventSelector criteria status("OPEN"|"CLOSED"), correlationId, eventType and entityId, got '${part}'.`,
      );
    }
  }
  return out;
}

function firstPage(params: URLSearchParams, now: number): PageKey {
  const pageSizeText = params.get("pageSize");
  const pageSize = pageSizeText === null ? 100 : Number(pageSizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new BadRequest("Parameter 'pageSize' must be an integer between 1 and 1000.");
  }
  if (params.has("entitySelector")) throw new BadRequest("The simulator does not support entitySelector.");
  const to = parseTime(params.get("to"), now, "to") ?? now;
  const from = parseTime(params.get("from"), now, "from") ?? now - 2 * 3_600_000;
  if (from > to) throw new BadRequest("'from' must not be after 'to'.");
  const { status, correlationId, eventType, entityId } = parseSelector(params.get("eventSelector"));
  return {
    q: { from, to, eventType, entityId },
    status,
    ...(correlationId === undefined ? {} : { correlationId }),
    pageSize,
    afterStart: Number.POSITIVE_INFINITY,
    afterId: "0",
  };
}

function decodeKey(text: string): PageKey {
  try {
    const k = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as PageKey & {
      afterStart: number | null;
    };
    if (typeof k.q?.from !== "number" || typeof k.pageSize !== "number") throw new Error();
    BigInt(k.afterId);
    return { ...k, afterStart: k.afterStart ?? Number.POSITIVE_INFINITY };
  } catch {
    throw new BadRequest("The nextPageKey is invalid.");
  }
}

function toJson(e: SimEvent, openEnd: OpenEndTime): string {
  const open = e.endTime === -1;
  const impact = e.impactLevel === undefined ? undefined : IMPACT_PROPERTY[e.impactLevel];
  const properties = impact === undefined ? [] : [{ key: "dt.event.impact_level", value: impact }];
  for (const [key, value] of Object.entries(e.properties ?? {})) properties.push({ key, value });
  return JSON.stringify({
    eventId: `${e.eventId}_${e.startTime}`,
    startTime: e.startTime,
    endTime: open ? (openEnd === "null" ? null : -1) : e.endTime,
    eventType: V2_EVENT_TYPE[e.eventType] ?? e.eventType,
    title: e.title ?? e.eventType.toLowerCase().replaceAll("_", " "),
    entityId: { entityId: { id: e.entityId, type: e.entityId.split("-")[0] }, name: e.entityName },
    properties,
    status: open ? "OPEN" : "CLOSED",
    correlationId: e.correlationId ?? "0000000000000000",
    entityTags: entityTagsOf(e.entityId),
    managementZones: managementZonesOf(e.entityId),
    underMaintenance: false,
    suppressAlert: false,
    suppressProblem: e.properties?.["dt.event.suppress_problem"] === "true",
    frequentEvent: false,
  });
}

/**
 * Answers `GET /api/v2/events` with one page. Events whose lifetime overlaps the timeframe are
 * returned (so open events that started earlier are included), newest first; `nextPageKey`
 * encodes the query and must be sent alone; `eventSelector=status("OPEN")` is supported.
 */
export function v2FeedPage(
  store: SimEventStore,
  params: URLSearchParams,
  now: number,
  openEnd: OpenEndTime,
): string {
  const keyText = params.get("nextPageKey");
  if (keyText !== null && [...params.keys()].some((k) => k !== "nextPageKey")) {
    throw new BadRequest("If nextPageKey is set, no other query parameter may be set.");
  }
  const key = keyText === null ? firstPage(params, now) : decodeKey(keyText);
  const all = store.query(key.q, "overlap");
  const matching =
    key.status === undefined && key.correlationId === undefined
      ? all
      : all.filter(
          (e) =>
            (key.status === undefined || (e.endTime === -1) === (key.status === "OPEN")) &&
            (key.correlationId === undefined || e.correlationId === key.correlationId),
        );
  const pivot = { startTime: key.afterStart, eventId: BigInt(key.afterId) } as SimEvent;
  let start = 0;
  if (keyText !== null) {
    let hi = matching.length;
    while (start < hi) {
      const mid = (start + hi) >> 1;
      if (compareNewestFirst(matching[mid] as SimEvent, pivot) <= 0) start = mid + 1;
      else hi = mid;
    }
  }
  const page = matching.slice(start, start + key.pageSize);
  const last = page[page.length - 1];
  const more = last !== undefined && start + key.pageSize < matching.length;
  const next = more
    ? Buffer.from(
        JSON.stringify({ ...key, afterStart: last.startTime, afterId: last.eventId.toString() }),
      ).toString("base64url")
    : null;
  const events = page.map((e) => toJson(e, openEnd)).join(",");
  return `{"totalCount":${matching.length},"pageSize":${key.pageSize},"nextPageKey":${JSON.stringify(next)},"events":[${events}]}`;
}
