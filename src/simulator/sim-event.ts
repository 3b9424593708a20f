/** An event as the simulated environment stores it (exact bigint id, v1 field names). */
export interface SimEvent {
  eventId: bigint;
  startTime: number;
  /** -1 while open. */
  endTime: number;
  eventType: string;
  severityLevel?: string;
  impactLevel?: string;
  entityId: string;
  entityName: string;
  /** Fields sent as they are, to exercise lenient parsing (unknown keys, odd values). */
  extra?: Record<string, unknown>;
  /** The pushed or ingested title; the v2 feed derives one from the type when absent. */
  title?: string;
  /** Ingested properties (string map), served by the v2 feed and read by the problems model. */
  properties?: Record<string, string>;
  /** The correlation id the ingest answer returned (16 hex digits). */
  correlationId?: string;
}

/** Newest first, ties broken by id descending: the order the v1 feed pages in. */
export function compareNewestFirst(a: SimEvent, b: SimEvent): number {
  if (a.startTime !== b.startTime) return b.startTime - a.startTime;
  return a.eventId === b.eventId ? 0 : a.eventId > b.eventId ? -1 : 1;
}

/** Rendered v1 text of events, kept while the fields it shows stay the same (pages repeat them). */
const rendered = new WeakMap<SimEvent, { endTime: number; withId: boolean; extra: unknown; text: string }>();

/** Serialises one event in the v1 shape, writing the 64-bit id as a bare JSON number. */
export function eventToJson(e: SimEvent, withId: boolean): string {
  const kept = rendered.get(e);
  if (kept && kept.endTime === e.endTime && kept.withId === withId && kept.extra === e.extra)
    return kept.text;
  const text = renderEvent(e, withId);
  rendered.set(e, { endTime: e.endTime, withId, extra: e.extra, text });
  return text;
}

function renderEvent(e: SimEvent, withId: boolean): string {
  const body: Record<string, unknown> = {
    ...(withId ? { id: `${e.eventId}_${e.startTime}` } : {}),
    startTime: e.startTime,
    endTime: e.endTime,
    entityId: e.entityId,
    entityName: e.entityName,
    ...(e.severityLevel === undefined ? {} : { severityLevel: e.severityLevel }),
    ...(e.impactLevel === undefined ? {} : { impactLevel: e.impactLevel }),
    eventType: e.eventType,
    eventStatus: e.endTime === -1 ? "OPEN" : "CLOSED",
    tags: [],
    source: "builtin",
    ...e.extra,
  };
  return `{"eventId":${e.eventId.toString()},${JSON.stringify(body).slice(1)}`;
}

/** Oldest first, ties broken by id ascending: the order problems are derived in. */
export function compareOldestFirst(a: SimEvent, b: SimEvent): number {
  if (a.startTime !== b.startTime) return a.startTime - b.startTime;
  return a.eventId === b.eventId ? 0 : a.eventId < b.eventId ? -1 : 1;
}

/** Merges two lists sorted oldest first; appends in place when `fresh` all comes after (the live case). */
export function mergeOldestFirst(old: SimEvent[], fresh: SimEvent[]): SimEvent[] {
  if (fresh.length === 0) return old;
  const last = old[old.length - 1];
  if (last === undefined || compareOldestFirst(last, fresh[0] as SimEvent) <= 0) {
    for (const e of fresh) old.push(e);
    return old;
  }
  const out: SimEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < old.length || j < fresh.length) {
    const a = old[i];
    const b = fresh[j];
    if (b === undefined || (a !== undefined && compareOldestFirst(a, b) <= 0)) {
      out.push(a as SimEvent);
      i++;
    } else {
      out.push(b);
      j++;
    }
  }
  return out;
}
