import type { EnvironmentConfig } from "../config/types.js";
import type { FeedEvent } from "../dynatrace/feed-event.js";
import type { ItemDimensions } from "../dynatrace/item-dimensions.js";
import { compileExtraLabels, type ExtraLabels } from "../metrics/extra-labels.js";

const NONE: ItemDimensions = { zones: [], entityType: "", tags: new Map() };
const compiled = new WeakMap<EnvironmentConfig, ExtraLabels>();

/** The environment's compiled opt-in labels (compiled once per configuration object). */
export function extraLabelsOf(env: EnvironmentConfig): ExtraLabels {
  let e = compiled.get(env);
  if (e === undefined) compiled.set(env, (e = compileExtraLabels(env.dimensions, env.staticLabels)));
  return e;
}

/**
 * The events of a page with their opt-in labels: an event in n management zones becomes n entries
 * (keys `<key>`, `<key>\u0000<i>`), one per zone, so it counts once in each zone's series. Without
 * dimensions the page is returned as it is.
 */
export function withExtraLabels(events: FeedEvent[], extra: ExtraLabels): FeedEvent[] {
  if (!extra.active) return events;
  const out: FeedEvent[] = [];
  for (const ev of events) {
    const texts = extra.texts(ev.dimensions ?? NONE);
    for (let i = 0; i < texts.length; i++) {
      out.push({
        key: i === 0 ? ev.key : `${ev.key}\u0000${i}`,
        eventType: ev.eventType,
        severityLevel: ev.severityLevel,
        impactLevel: ev.impactLevel,
        open: ev.open,
        startTime: ev.startTime,
        endTime: ev.endTime,
        extra: texts[i],
      });
    }
  }
  return out;
}
