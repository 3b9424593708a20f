import type { Prng } from "./prng.js";
import type { SimEvent } from "./sim-event.js";

/** A push the simulator refused: 400 with constraint violations, as Dynatrace answers. */
export class PushRejected extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

const TYPES = new Set([
  "AVAILABILITY_EVENT",
  "CUSTOM_ALERT",
  "CUSTOM_ANNOTATION",
  "CUSTOM_CONFIGURATION",
  "CUSTOM_DEPLOYMENT",
  "CUSTOM_INFO",
  "ERROR_EVENT",
  "MARKED_FOR_TERMINATION",
  "PERFORMANCE_EVENT",
  "RESOURCE_CONTENTION",
]);
const DESCRIPTION_REQUIRED = new Set([
  "CUSTOM_INFO",
  "CUSTOM_CONFIGURATION",
  "AVAILABILITY_EVENT",
  "ERROR_EVENT",
  "PERFORMANCE_EVENT",
  "RESOURCE_CONTENTION",
  "MARKED_FOR_TERMINATION",
]);
const PROBLEM_OPENING: Record<string, string> = {
  AVAILABILITY_EVENT: "AVAILABILITY",
  ERROR_EVENT: "ERROR",
  PERFORMANCE_EVENT: "PERFORMANCE",
  RESOURCE_CONTENTION: "RESOURCE_CONTENTION",
  CUSTOM_ALERT: "CUSTOM_ALERT",
};

function nonEmpty(v: unknown): v is string {
  return typeof v === "string" && v.trim() !== "";
}

/** A validated v1 push: the event, and for problem-opening types their timeout (and `end` if sent). */
export interface V1PushResult {
  event: SimEvent;
  timeoutMs?: number;
  endTime?: number;
}

/**
 * Validates a v1 `EventCreation` the way Dynatrace does and turns it into a feed event. Info
 * events are stored closed at once; problem-opening events stay open for `timeoutMinutes`
 * (default 15, capped at 120), returned as `timeoutMs`.
 */
export function acceptV1Push(body: unknown, now: number, prng: Prng): V1PushResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new PushRejected("The request body must be a JSON object.", "body");
  }
  const b = body as Record<string, unknown>;
  const type = b.eventType;
  if (typeof type !== "string" || !TYPES.has(type)) throw new PushRejected("Invalid eventType.", "eventType");
  if (!nonEmpty(b.source))
    throw new PushRejected("The property 'source' must not be null or empty.", "source");
  const rules = b.attachRules as { entityIds?: unknown; tagRule?: unknown } | undefined;
  const entityIds = Array.isArray(rules?.entityIds) ? rules.entityIds.filter(nonEmpty) : [];
  const tagRules = Array.isArray(rules?.tagRule) ? rules.tagRule : [];
  if (entityIds.length === 0 && tagRules.length === 0) {
    throw new PushRejected("At least one entity or tag rule must be given.", "attachRules");
  }
  if (DESCRIPTION_REQUIRED.has(type) && !nonEmpty(b.description)) {
    throw new PushRejected("The property 'description' must not be null or empty.", "description");
  }
  const severity = PROBLEM_OPENING[type];
  if (severity && !nonEmpty(b.title))
    throw new PushRejected("The property 'title' must not be null or empty.", "title");
  const start = typeof b.start === "number" ? b.start : now;
  const timeout =
    typeof b.timeoutMinutes === "number" && b.timeoutMinutes > 0 ? Math.min(120, b.timeoutMinutes) : 15;
  const end = typeof b.end === "number" ? b.end : start;
  const eventId = prng.int64();
  const event: SimEvent = {
    eventId,
    startTime: start,
    endTime: severity ? -1 : end,
    eventType: type,
    severityLevel: severity ?? "INFO",
    impactLevel: "INFRASTRUCTURE",
    entityId: entityIds[0] ?? "HOST-0000000000000000",
    entityName: typeof b.title === "string" ? b.title : type,
    extra: { source: b.source, customProperties: b.customProperties ?? {} },
    ...(typeof b.title === "string" ? { title: b.title } : {}),
    ...(b.allowDavisMerge === false ? { properties: { "dt.event.allow_davis_merge": "false" } } : {}),
    correlationId: BigInt.asUintN(64, eventId).toString(16).padStart(16, "0"),
  };
  if (!severity) return { event };
  return { event, timeoutMs: timeout * 60_000, ...(typeof b.end === "number" ? { endTime: b.end } : {}) };
}
