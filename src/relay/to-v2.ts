import type { V1EventCreation } from "./alarm.js";
import { PROPERTY_LIMITS } from "./property-limits.js";

/** A v2 ingest body (`POST /api/v2/events/ingest`). */
export interface V2EventIngest {
  eventType: string;
  title: string;
  startTime?: number;
  endTime?: number;
  timeout?: number;
  entitySelector?: string;
  properties?: Record<string, string>;
}

/** v2's spelling of the v1 event types that differ. */
const V2_TYPE: Record<string, string> = { RESOURCE_CONTENTION: "RESOURCE_CONTENTION_EVENT" };

const { count: MAX_PROPERTIES, keyLength: MAX_KEY, valueLength: MAX_VALUE } = PROPERTY_LIMITS;

/** Quotes a selector value; inside quotes `~` and `"` are escaped with `~`, as Dynatrace requires. */
export function selectorValue(s: string): string {
  return `"${s.replace(/[~"]/g, (c) => `~${c}`)}"`;
}

function tagSelector(t: { context: string; key: string; value?: string }): string {
  const context = t.context && t.context !== "CONTEXTLESS" ? `[${t.context}]` : "";
  return `tag(${selectorValue(`${context}${t.key}${t.value === undefined ? "" : `:${t.value}`}`)})`;
}

/**
 * The v2 entity selector for v1 attach rules: `entityId("a","b")` for entity ids, else
 * `type("HOST"),tag("...")` for the first tag rule (a selector names one entity type, so further
 * rules cannot be expressed and are dropped). Undefined when there is nothing to attach to, which
 * v2 reads as the environment entity.
 */
export function attachRulesToSelector(rules: V1EventCreation["attachRules"]): string | undefined {
  if (rules.entityIds?.length) return `entityId(${rules.entityIds.map(selectorValue).join(",")})`;
  const rule = rules.tagRule?.[0];
  if (!rule) return undefined;
  return [`type(${selectorValue(rule.meTypes[0] ?? "HOST")})`, ...rule.tags.map(tagSelector)].join(",");
}

/**
 * Maps a v1 `EventCreation` to a v2 ingest body: custom properties, description and the v1-only
 * fields become properties (within v2's limits: 100 keys, keys of 100 and values of 4096 chars).
 */
export function toV2Ingest(e: V1EventCreation): V2EventIngest {
  const properties: Record<string, string> = {};
  const put = (k: string, v: unknown) => {
    if (v === undefined || Object.keys(properties).length >= MAX_PROPERTIES) return;
    const text = typeof v === "string" ? v : JSON.stringify(v);
    properties[k.slice(0, MAX_KEY)] = text.slice(0, MAX_VALUE);
  };
  for (const [k, v] of Object.entries(e.customProperties ?? {})) put(k, v);
  if (!("description" in properties)) put("description", e.description);
  put("source", e.source);
  for (const [k, v] of Object.entries(e)) {
    if (
      ![
        "eventType",
        "source",
        "attachRules",
        "title",
        "description",
        "start",
        "end",
        "timeoutMinutes",
        "customProperties",
      ].includes(k)
    ) {
      put(k, v);
    }
  }
  const selector = attachRulesToSelector(e.attachRules);
  return {
    eventType: V2_TYPE[e.eventType] ?? e.eventType,
    title: e.title ?? e.description ?? e.eventType,
    ...(e.start === undefined ? {} : { startTime: e.start }),
    ...(e.end === undefined ? {} : { endTime: e.end }),
    ...(e.timeoutMinutes === undefined ? {} : { timeout: e.timeoutMinutes }),
    ...(selector === undefined ? {} : { entitySelector: selector }),
    properties,
  };
}
