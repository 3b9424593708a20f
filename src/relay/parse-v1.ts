import { z } from "zod";
import { V1_PUSH_EVENT_TYPES } from "../config/types.js";
import {
  type Alarm,
  contentKey,
  eventState,
  netdataPushIdentity,
  type Tag,
  type V1EventCreation,
} from "./alarm.js";
import { netdataAlert } from "./lifecycle/netdata-alert.js";
import { boundedProperties } from "./property-limits.js";
import { InvalidAlarmError } from "./validation-error.js";

const NEEDS_DESCRIPTION = new Set([
  "CUSTOM_INFO",
  "CUSTOM_CONFIGURATION",
  "AVAILABILITY_EVENT",
  "ERROR_EVENT",
  "PERFORMANCE_EVENT",
  "RESOURCE_CONTENTION",
  "MARKED_FOR_TERMINATION",
]);
const NEEDS_TITLE = new Set([
  "AVAILABILITY_EVENT",
  "ERROR_EVENT",
  "PERFORMANCE_EVENT",
  "RESOURCE_CONTENTION",
  "CUSTOM_ALERT",
]);

// netdata sends tags as plain strings; Dynatrace's documented form is an object.
const tag = z.union([
  z
    .string()
    .min(1)
    .transform((key): Tag => ({ context: "CONTEXTLESS", key })),
  z.object({
    context: z.string().default("CONTEXTLESS"),
    key: z.string().min(1),
    value: z.string().optional(),
  }),
]);

const text = z.string().max(10_000);

/** Dynatrace's "must not be null or empty" also refuses whitespace-only strings. */
export function notBlank(s: string): boolean {
  return s.trim() !== "";
}
const ms = z.number().int().nonnegative();

const eventCreation = z
  .object({
    eventType: z.enum(V1_PUSH_EVENT_TYPES, {
      error: (iss) =>
        `unsupported event type ${JSON.stringify(iss.input)} (use ${V1_PUSH_EVENT_TYPES.join(", ")})`,
    }),
    source: z.string().max(1000).refine(notBlank, "must not be empty"),
    attachRules: z.object({
      entityIds: z.array(z.string().min(1)).max(100).optional(),
      tagRule: z
        .array(z.object({ meTypes: z.array(z.string().min(1)).min(1), tags: z.array(tag).min(1) }))
        .max(100)
        .optional(),
    }),
    title: text.optional(),
    description: text.optional(),
    start: ms.optional(),
    end: ms.optional(),
    timeoutMinutes: z.number().int().min(1).max(120).optional(),
    customProperties: boundedProperties.optional(),
    annotationType: text.optional(),
    annotationDescription: text.optional(),
    deploymentName: text.optional(),
    deploymentVersion: text.optional(),
    deploymentProject: text.optional(),
    ciBackLink: text.optional(),
    remediationAction: text.optional(),
    configuration: text.optional(),
    original: text.optional(),
    changed: text.optional(),
    allowDavisMerge: z.boolean().optional(),
  })
  .superRefine((e, ctx) => {
    const rules = e.attachRules;
    if (!rules.entityIds?.length && !rules.tagRule?.length) {
      ctx.addIssue({
        code: "custom",
        path: ["attachRules"],
        message: "needs at least one entityId or tagRule",
      });
    }
    const need = (field: keyof typeof e, when: boolean) => {
      const value = e[field];
      if (when && !(typeof value === "string" && notBlank(value))) {
        ctx.addIssue({ code: "custom", path: [field], message: `is required for ${e.eventType}` });
      }
    };
    need("description", NEEDS_DESCRIPTION.has(e.eventType));
    need("title", NEEDS_TITLE.has(e.eventType));
    need("annotationType", e.eventType === "CUSTOM_ANNOTATION");
    need("annotationDescription", e.eventType === "CUSTOM_ANNOTATION");
    need("deploymentName", e.eventType === "CUSTOM_DEPLOYMENT");
    need("deploymentVersion", e.eventType === "CUSTOM_DEPLOYMENT");
    need("configuration", e.eventType === "CUSTOM_CONFIGURATION");
    if (e.start !== undefined && e.end !== undefined && e.end < e.start) {
      ctx.addIssue({ code: "custom", path: ["end"], message: "must not be before start" });
    }
  });

/**
 * Validates a body posted to the v1 push endpoint as Dynatrace would (required fields per event
 * type, at least one attach target), normalising netdata's plain-string tags. Unknown fields are
 * dropped rather than forwarded. Throws {@link InvalidAlarmError} naming the failing fields.
 */
export function parseV1Push(body: unknown, idempotencyKey: string | undefined): Alarm {
  const parsed = eventCreation.safeParse(body);
  if (!parsed.success) throw InvalidAlarmError.fromZod("v1 event", parsed.error);
  const payload = stripUndefined(parsed.data) as V1EventCreation;
  const fromNetdata = payload.description?.startsWith("Netdata Notification for:") ?? false;
  return {
    source: fromNetdata ? "netdata" : "v1",
    dedupeKey: idempotencyKey ? `key:${idempotencyKey}` : contentKey(fromNetdata ? "netdata" : "v1", payload),
    ...(fromNetdata ? { identity: netdataPushIdentity(payload) } : {}),
    ...v1State(payload, fromNetdata, idempotencyKey),
    ...(fromNetdata ? netdataAlert(payload) : {}),
    payload,
  };
}

/**
 * What a v1 push reports a state of: netdata's alarm (host and `chart.alarm`; its notifier sends
 * no time, so a change of status is always a change), else the event's title on its attach rules.
 */
function v1State(
  p: V1EventCreation,
  fromNetdata: boolean,
  idempotencyKey: string | undefined,
): Pick<Alarm, "state"> {
  const identity = fromNetdata ? netdataPushIdentity(p) : undefined;
  const state =
    identity !== undefined && !idempotencyKey
      ? { identity }
      : eventState(p.title, p.attachRules, p.start, idempotencyKey);
  return state === undefined ? {} : { state };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
