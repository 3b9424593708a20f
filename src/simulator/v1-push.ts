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

/**
 * Validates a v1 `EventCreation` the way Dynatrace does and turns it into a feed event. Info
 * events are stored closed at once; problem-opening events stay open until `timeoutMinutes`
 * (default 15), returned as `closeAt`.
 */
export function acceptV1Push(body: unknown, now: number, prng: Prng): { event: SimEvent; closeAt?: number } {
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
  const timeout = typeof b.timeoutMinutes === "number" ? b.timeoutMinutes : 15;
  const end = typeof b.end === "number" ? b.end : start;
  const event: SimEvent = {
    eventId: prng.int64(),
    startTime: start,
    endTime: severity ? -1 : end,
    eventType: type,
    severityLevel: severity ?? "INFO",
    impactLevel: "INFRASTRUCTURE",
    entityId: entityIds[0] ?? "HOST-0000000000000000",
    entityName: typeof b.title === "string" ? b.title : type,
    extra: { source: b.source, customProperties: b.customProperties ?? {} },
  };
  return severity ? { event, closeAt: start + timeout * 60_000 } : { event };
}
