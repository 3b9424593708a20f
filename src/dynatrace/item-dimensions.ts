import { type ItemDimensions, labelValue, MAX_ITEM_DIMENSIONS } from "./feed-event.js";

export type { ItemDimensions };

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
