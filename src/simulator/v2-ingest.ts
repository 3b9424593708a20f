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

/** Outcome of one ingested event: a stored event, or an item status other than OK. */
export type IngestResult = { status: "OK"; event: SimEvent; closeAt?: number } | { status: string };

/**
 * Validates a v2 ingest body as Dynatrace does: 400 for a malformed request (missing title or
 * event type), and per-item statuses in a 201 for what is wrong with the event itself
 * (INVALID_ENTITY_TYPE for a selector on an unknown type, INVALID_TIMESTAMPS, INVALID_METADATA).
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
  if (Object.keys(props).length > 100 || Object.values(props).some((v) => typeof v !== "string")) {
    return { status: "INVALID_METADATA" };
  }
  const start = typeof b.startTime === "number" ? b.startTime : now;
  const end = typeof b.endTime === "number" ? b.endTime : undefined;
  if (end !== undefined && end < start) return { status: "INVALID_TIMESTAMPS" };
  const severity = TYPES[type];
  const event: SimEvent = {
    eventId: prng.int64(),
    startTime: start,
    endTime: severity ? -1 : (end ?? start),
    eventType: FEED_TYPE[type] ?? type,
    severityLevel: severity ?? "INFO",
    impactLevel: "INFRASTRUCTURE",
    entityId: "HOST-0000000000000000",
    entityName: b.title,
    extra: { source: "v2 ingest", customProperties: props },
  };
  const timeout = typeof b.timeout === "number" ? Math.min(360, b.timeout) : 15;
  return severity
    ? { status: "OK", event, closeAt: end ?? start + timeout * 60_000 }
    : { status: "OK", event };
}
