import { z } from "zod";
import { V1_PUSH_EVENT_TYPES } from "../config/types.js";
import { type Alarm, contentKey, type MappingDefaults, type V1EventCreation } from "./alarm.js";
import type { V2EventIngest } from "./to-v2.js";
import { notBlank } from "./parse-v1.js";
import { boundedProperties } from "./property-limits.js";
import { InvalidAlarmError } from "./validation-error.js";

/** Event types `POST /api/v2/events/ingest` accepts: v1's, with v2's spelling, plus WARNING. */
export const V2_INGEST_EVENT_TYPES: [string, ...string[]] = [
  "RESOURCE_CONTENTION_EVENT",
  "WARNING",
  ...V1_PUSH_EVENT_TYPES.filter((t) => t !== "RESOURCE_CONTENTION"),
];

const ingest = z.object({
  eventType: z.enum(V2_INGEST_EVENT_TYPES, {
    error: (iss) =>
      `unsupported event type ${JSON.stringify(iss.input)} (use ${V2_INGEST_EVENT_TYPES.join(", ")})`,
  }),
  title: z.string().max(10_000).refine(notBlank, "must not be empty"),
  startTime: z.number().int().nonnegative().optional(),
  endTime: z.number().int().nonnegative().optional(),
  timeout: z.number().int().min(1).max(360).optional(),
  entitySelector: z.string().min(1).max(2000).optional(),
  properties: boundedProperties.optional(),
});

/** Validates a body posted to the v2 ingest endpoint. Throws {@link InvalidAlarmError}. */
export function parseV2Ingest(
  body: unknown,
  idempotencyKey: string | undefined,
): { event: V2EventIngest; key: string } {
  const parsed = ingest.safeParse(body);
  if (!parsed.success) throw InvalidAlarmError.fromZod("v2 event", parsed.error);
  const event = Object.fromEntries(
    Object.entries(parsed.data).filter(([, v]) => v !== undefined),
  ) as unknown as V2EventIngest;
  return { event, key: idempotencyKey ? `key:${idempotencyKey}` : contentKey("v2", event) };
}

const V1_TYPE: Record<string, string> = {
  RESOURCE_CONTENTION_EVENT: "RESOURCE_CONTENTION",
  WARNING: "CUSTOM_ALERT",
};

/**
 * Expresses a v2 ingest event as a v1 push, for a relay whose upstream is v1. Only selectors v1
 * attach rules can express are accepted: `entityId(...)`, or `type(X)` with `tag(...)` criteria;
 * without a selector the RELAY_TAG rule is used. Anything else is a 400 naming the way out.
 */
export function v2ToV1(e: V2EventIngest, key: string, defaults: MappingDefaults): Alarm {
  const attachRules = selectorToAttachRules(e.entitySelector, defaults);
  const properties = e.properties ?? {};
  const payload: V1EventCreation = {
    eventType: V1_TYPE[e.eventType] ?? e.eventType,
    source:
      properties.source !== undefined && notBlank(properties.source) ? properties.source : defaults.source,
    title: e.title,
    description:
      properties.description !== undefined && notBlank(properties.description)
        ? properties.description
        : e.title,
    attachRules,
    customProperties: properties,
    ...(e.startTime === undefined ? {} : { start: e.startTime }),
    ...(e.endTime === undefined ? {} : { end: e.endTime }),
    ...(e.timeout === undefined ? {} : { timeoutMinutes: Math.min(120, e.timeout) }),
  };
  return { source: "v2", dedupeKey: key, payload };
}

const VALUE = String.raw`(?:"((?:[^"~]|~.)*)"|([^,()"]+))`;
const ENTITY_IDS = new RegExp(String.raw`^entityId\(${VALUE}(?:,${VALUE})*\)$`);

function unquote(quoted: string | undefined, bare: string | undefined): string {
  return quoted !== undefined ? quoted.replace(/~(.)/g, "$1") : (bare ?? "").trim();
}

function selectorToAttachRules(
  selector: string | undefined,
  defaults: MappingDefaults,
): V1EventCreation["attachRules"] {
  if (selector === undefined) {
    if (defaults.tag)
      return { tagRule: [{ meTypes: ["HOST"], tags: [{ context: "CONTEXTLESS", key: defaults.tag }] }] };
    throw unexpressible("an entitySelector is required when the upstream API is v1 and RELAY_TAG is not set");
  }
  const criteria = splitCriteria(selector);
  if (ENTITY_IDS.test(selector)) {
    const ids = [...selector.matchAll(new RegExp(VALUE, "g"))].slice(1).map((m) => unquote(m[1], m[2]));
    return { entityIds: ids };
  }
  const type = /^type\((?:"([^"]+)"|([^,()"]+))\)$/.exec(criteria[0] ?? "");
  const tags = criteria.slice(1).map((c) => new RegExp(String.raw`^tag\(${VALUE}\)$`).exec(c));
  if (!type || tags.length === 0 || tags.some((t) => t === null)) {
    throw unexpressible(
      `entitySelector ${JSON.stringify(selector)} cannot be expressed as v1 attach rules; set RELAY_API_VERSION=v2`,
    );
  }
  return {
    tagRule: [
      {
        meTypes: [unquote(type[1], type[2])],
        tags: tags.map((t) => {
          const text = unquote(t?.[1], t?.[2]);
          const ctx = /^\[([A-Z_]+)\](.*)$/.exec(text);
          const rest = ctx ? (ctx[2] as string) : text;
          const colon = rest.indexOf(":");
          return {
            context: ctx ? (ctx[1] as string) : "CONTEXTLESS",
            key: colon >= 0 ? rest.slice(0, colon) : rest,
            ...(colon >= 0 ? { value: rest.slice(colon + 1) } : {}),
          };
        }),
      },
    ],
  };
}

/** Splits a selector at top-level commas (not inside quotes or parentheses). */
function splitCriteria(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i] as string;
    if (quoted && c === "~") {
      current += c + (selector[++i] ?? "");
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "(") depth++;
    else if (!quoted && c === ")") depth--;
    if (!quoted && depth === 0 && c === ",") {
      out.push(current.trim());
      current = "";
    } else current += c;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function unexpressible(message: string): InvalidAlarmError {
  return new InvalidAlarmError(message, [{ path: "entitySelector", message }]);
}
