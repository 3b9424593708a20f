import { hex16 } from "./entity-meta.js";
import type { SimEvent } from "./sim-event.js";

/** Shape of the events {@link distinctTypeEvents} makes. */
export interface DistinctTypesOptions {
  /** Start of the first event (ms); each next one starts 1 ms later. Default: the simulator's now. */
  startTime?: number;
  /** Type name prefix (default `CUSTOM_GEN_`); the number is zero-padded to 5 digits. */
  prefix?: string;
  /** Number of the first type (default 1), so that calls can add further distinct types. */
  firstNumber?: number;
  /** Severity written on each event (default `INFO`: they open no problems). */
  severityLevel?: string;
  /** Whether events stay open (default false: closed 1 s after they start). */
  open?: boolean;
}

/**
 * `count` events with `count` distinct generated event types (`CUSTOM_GEN_00001`, ...), each on its
 * own host, as a misbehaving integration pushing generated types would produce. Ids are derived
 * from the type name (no PRNG is consumed, so the seeded stream stays the same).
 */
export function distinctTypeEvents(
  count: number,
  options: DistinctTypesOptions & { startTime: number },
): SimEvent[] {
  const prefix = options.prefix ?? "CUSTOM_GEN_";
  const first = options.firstNumber ?? 1;
  const events: SimEvent[] = [];
  for (let i = 0; i < count; i++) {
    const eventType = `${prefix}${String(first + i).padStart(5, "0")}`;
    const hash = hex16(eventType);
    const start = options.startTime + i;
    events.push({
      eventId: BigInt.asIntN(64, BigInt(`0x${hash}`)),
      startTime: start,
      endTime: options.open ? -1 : start + 1000,
      eventType,
      severityLevel: options.severityLevel ?? "INFO",
      impactLevel: "INFRASTRUCTURE",
      entityId: `HOST-${hash}`,
      entityName: `gen-${hash.slice(0, 6).toLowerCase()}`,
    });
  }
  return events;
}
