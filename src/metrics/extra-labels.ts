import { dimensionLabel } from "../config/labels.js";
import type { ItemDimensions } from "../dynatrace/item-dimensions.js";
import { escapeLabelValue } from "./text-family.js";

/** Label value of every dimension in the series that label sets beyond the cap fold into. */
export const OTHER = "other";

/**
 * An environment's opt-in labels, compiled once: static labels as encoded text, and the encoder of
 * the dimensions an item (v2 event or problem) is counted under. Nothing opted in gives empty texts,
 * so the default exposition is byte for byte what it was without them.
 */
export interface ExtraLabels {
  /** `,team="a",region="b"`: follows `environment="..."` in every series of the families. */
  readonly staticText: string;
  /** True when at least one dimension is listed (items must be read with their dimensions). */
  readonly active: boolean;
  /** The folded series' dimension text: every dimension reads {@link OTHER}. */
  readonly other: string;
  /**
   * The encoded dimension texts (`,management_zone="a",tag_team="b"`) an item counts under: one per
   * management zone when that dimension is on (an item in two zones counts in both), else one.
   */
  texts(d: ItemDimensions): string[];
}

type Part = (d: ItemDimensions) => string;

/** Compiles the `dimensions` and `staticLabels` of one environment (already checked by the config). */
export function compileExtraLabels(
  dimensions: readonly string[] = [],
  staticLabels: Readonly<Record<string, string>> = {},
): ExtraLabels {
  const staticText = Object.entries(staticLabels)
    .map(([k, v]) => `,${k}="${escapeLabelValue(v)}"`)
    .join("");
  const fixed: Part[] = [];
  let zonesAt = -1;
  let other = "";
  for (const entry of dimensions) {
    const name = dimensionLabel(entry) as string;
    other += `,${name}="${OTHER}"`;
    if (entry === "management_zone") {
      zonesAt = fixed.length;
      fixed.push(() => "");
    } else if (entry === "entity_type") {
      fixed.push((d) => `,entity_type="${escapeLabelValue(d.entityType)}"`);
    } else {
      const key = entry.slice(4);
      fixed.push((d) => `,${name}="${escapeLabelValue(d.tags.get(key) ?? "")}"`);
    }
  }
  const texts = (d: ItemDimensions): string[] => {
    const parts = fixed.map((f) => f(d));
    if (zonesAt < 0) return [parts.join("")];
    const zones = d.zones.length > 0 ? d.zones : [""];
    return zones.map((z) => {
      parts[zonesAt] = `,management_zone="${escapeLabelValue(z)}"`;
      return parts.join("");
    });
  };
  return { staticText, active: dimensions.length > 0, other, texts };
}
