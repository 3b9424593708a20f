import { labelValue } from "./feed-event.js";

/** Most management zones or tags read from one event or problem; the rest are ignored. */
export const MAX_ITEM_DIMENSIONS = 64;

/**
 * What an event (v2) or a problem says about where it belongs, for the opt-in labels: its
 * management zones' names, its entity's type and its entity tags. Every value is already a safe
 * label value ({@link labelValue}); none is trusted beyond that.
 */
export interface ItemDimensions {
  /** Distinct management zone names, in the order sent (at most {@link MAX_ITEM_DIMENSIONS}). */
  zones: string[];
  /** The entity type (`HOST`, `SERVICE`, ...) or "" when the item names none. */
  entityType: string;
  /** Tag key -> value: the first tag with a key wins; a tag without a value reads "true". */
  tags: Map<string, string>;
}

/** Reads the opt-in dimensions of a raw event or problem object (untrusted JSON). */
export function itemDimensions(raw: Record<string, unknown>): ItemDimensions {
  return { zones: zonesOf(raw.managementZones), entityType: entityTypeOf(raw), tags: tagsOf(raw.entityTags) };
}

function zonesOf(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const zones = new Set<string>();
  for (const z of v as unknown[]) {
    if (zones.size >= MAX_ITEM_DIMENSIONS) break;
    const name = typeof z === "object" && z !== null ? (z as { name?: unknown }).name : undefined;
    if (typeof name === "string" && name.trim() !== "") zones.add(labelValue(name));
  }
  return [...zones];
}

/** v2 events: `entityId.entityId.type`; problems: the root cause's type, else the first affected entity's. */
function entityTypeOf(raw: Record<string, unknown>): string {
  const ofRef = (ref: unknown): unknown => {
    if (typeof ref !== "object" || ref === null) return undefined;
    const inner = (ref as { entityId?: unknown }).entityId;
    if (typeof inner !== "object" || inner === null) return undefined;
    return (inner as { type?: unknown }).type;
  };
  const affected = Array.isArray(raw.affectedEntities) ? (raw.affectedEntities as unknown[])[0] : undefined;
  const type = ofRef(raw.entityId) ?? ofRef(raw.rootCauseEntity) ?? ofRef(affected);
  return typeof type === "string" && type.trim() !== "" ? labelValue(type) : "";
}

function tagsOf(v: unknown): Map<string, string> {
  const tags = new Map<string, string>();
  if (!Array.isArray(v)) return tags;
  for (const t of (v as unknown[]).slice(0, MAX_ITEM_DIMENSIONS)) {
    if (typeof t !== "object" || t === null) continue;
    const { key, value } = t as { key?: unknown; value?: unknown };
    if (typeof key !== "string" || key === "" || tags.has(key)) continue;
    tags.set(key, typeof value === "string" && value !== "" ? labelValue(value) : "true");
  }
  return tags;
}
