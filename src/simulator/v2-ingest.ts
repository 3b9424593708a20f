import { hex16 } from "./entity-meta.js";
import type { Prng } from "./prng.js";
import type { SimEvent } from "./sim-event.js";
import { PushRejected } from "./v1-push.js";

const TYPES: Record<string, string | undefined> = {
  AVAILABILITY_EVENT: "AVAILABILITY",
  CUSTOM_ALERT: "CUSTOM_ALERT",
  CUSTOM_ANNOTATION: undefined,
  CUSTOM_CONFIGURATION: undefined,
  CUSTOM_DEPLOYMENT: undefined,
  CUSTOM_INFO: undefined,
  ERROR_EVENT: "ERROR",
  MARKED_FOR_TERMINATION: undefined,
  PERFORMANCE_EVENT: "PERFORMANCE",
  RESOURCE_CONTENTION_EVENT: "RESOURCE_CONTENTION",
  WARNING: undefined,
};
const ENTITY_TYPES = new Set([
  "HOST",
  "SERVICE",
  "PROCESS_GROUP",
  "PROCESS_GROUP_INSTANCE",
  "APPLICATION",
  "ENVIRONMENT",
]);
/** The v1 feed's names for v2 types that differ. */
const FEED_TYPE: Record<string, string> = { RESOURCE_CONTENTION_EVENT: "RESOURCE_CONTENTION" };

/** Impact level of an ingested event, from its target entity's type. */
const IMPACT_OF_TYPE: Record<string, string> = {
  SERVICE: "SERVICE",
  APPLICATION: "APPLICATION",
  ENVIRONMENT: "ENVIRONMENT",
};

/**
 * Outcome of one ingested event: a stored event, or an item status other than OK. A
 * problem-opening event carries `timeoutMs` (default 15 min, capped at 360) and, when the body
 * set `endTime`, `endTime`.
 */
export type IngestResult =
  { status: "OK"; event: SimEvent; timeoutMs?: number; endTime?: number } | { status: string };

/**
 * The entity an ingested event lands on: `entityId("X")` names it; any other selector gets an
 * entity of its `type(...)` whose id is a hash of the selector (so one selector, one entity;
 * `type("HOST")` and `type(HOST)` are the same), named by `entityName.equals(...)` if given; no
 * selector means the environment entity.
 */
export function entityOfSelector(selector: unknown): { id: string; type: string; name?: string } {
  if (typeof selector !== "string" || selector.trim() === "") {
    return { id: "ENVIRONMENT-0000000000000001", type: "ENVIRONMENT" };
  }
  const named = /entityId\("?([A-Z_]+)-([0-9A-Fa-f]+)"?\)/.exec(selector);
  if (named) return { id: `${named[1]}-${named[2]}`, type: named[1] as string };
  const type = /type\("?([A-Z_]+)"?\)/.exec(selector)?.[1] ?? "HOST";
  const name = /entityName(?:\.equals)?\("((?:[^"~]|~.)*)"\)/.exec(selector)?.[1]?.replace(/~(.)/g, "$1");
  const id = `${type}-${hex16(selector.trim().replace(/type\("([A-Z_]+)"\)/g, "type($1)"))}`;
  return name === undefined ? { id, type } : { id, type, name };
}

/** A property key Dynatrace reserves: `dt.*`, except `dt.event.*`, `dt.davis.*` and `dt.entity.*`. */
const reserved = (key: string) => /^dt\./i.test(key) && !/^dt\.(event|davis|entity)\./i.test(key);

/**
 * Validates a v2 ingest body as Dynatrace does: 400 for a malformed request (missing title or
 * event type), and per-item statuses in a 201 for what is wrong with the event itself
 * (INVALID_ENTITY_TYPE for a selector on an unknown type, INVALID_TIMESTAMPS, INVALID_METADATA for
 * too many properties or a reserved `dt.` key).
 */
export function acceptV2Ingest(body: unknown, now: number, prng: Prng): IngestResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new PushRejected("The request body must be a JSON object.", "body");
  }
  const b = body as Record<string, unknown>;
  const type = b.eventType;
  if (typeof type !== "string" || !(type in TYPES)) throw new PushRejected("Invalid eventType.", "eventType");
  if (typeof b.title !== "string" || b.title.trim() === "") {
    throw new PushRejected("The property 'title' must not be null or empty.", "title");
  }
  const selectorType =
    typeof b.entitySelector === "string" ? /type\("?([A-Z_]+)"?\)/.exec(b.entitySelector)?.[1] : undefined;
  if (selectorType !== undefined && !ENTITY_TYPES.has(selectorType)) return { status: "INVALID_ENTITY_TYPE" };
  const props = (b.properties ?? {}) as Record<string, unknown>;
  if (
    Object.keys(props).length > 100 ||
    Object.keys(props).some(reserved) ||
    Object.values(props).some((v) => typeof v !== "string")
  ) {
    return { status: "INVALID_METADATA" };
  }
  const start = typeof b.startTime === "number" ? b.startTime : now;
  const end = typeof b.endTime === "number" ? b.endTime : undefined;
  if (end !== undefined && end < start) return { status: "INVALID_TIMESTAMPS" };
  const severity = TYPES[type];
  const entity = entityOfSelector(b.entitySelector);
  const eventId = prng.int64();
  const event: SimEvent = {
    eventId,
    startTime: start,
    endTime: severity ? -1 : (end ?? start),
    eventType: FEED_TYPE[type] ?? type,
    severityLevel: severity ?? "INFO",
    impactLevel: IMPACT_OF_TYPE[entity.type] ?? "INFRASTRUCTURE",
    entityId: entity.id,
    entityName: entity.name ?? b.title,
    extra: { source: "v2 ingest", customProperties: props },
    title: b.title,
    properties: props as Record<string, string>,
    correlationId: BigInt.asUintN(64, eventId).toString(16).padStart(16, "0"),
  };
  if (!severity) return { status: "OK", event };
  const timeout = typeof b.timeout === "number" && b.timeout > 0 ? Math.min(360, b.timeout) : 15;
  return { status: "OK", event, timeoutMs: timeout * 60_000, ...(end === undefined ? {} : { endTime: end }) };
}
