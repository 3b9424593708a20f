import type { SimulatedDynatrace } from "../../src/simulator/server.js";
import type { SimEvent } from "../../src/simulator/sim-event.js";

let nextId = 5_764_607_523_034_234_000n;

/** What a batch of fixture events looks like. */
export interface Batch {
  count: number;
  eventType: string;
  severityLevel?: string | undefined;
  impactLevel?: string | undefined;
  /** Start of the newest event; older ones start `spacingMs` apart before it. */
  newestStart: number;
  spacingMs?: number;
  /** Open events have endTime -1; closed ones end `durationMs` after their start. */
  open: boolean;
  durationMs?: number;
}

/** Adds `count` events with distinct 64-bit ids (beyond 2^53) to the simulator. */
export function addBatch(sim: SimulatedDynatrace, b: Batch): SimEvent[] {
  const out: SimEvent[] = [];
  for (let i = 0; i < b.count; i++) {
    const startTime = b.newestStart - i * (b.spacingMs ?? 1000);
    nextId += 1n;
    out.push(
      sim.addEvent({
        eventId: nextId,
        startTime,
        endTime: b.open ? -1 : startTime + (b.durationMs ?? 60_000),
        eventType: b.eventType,
        severityLevel: "severityLevel" in b ? b.severityLevel : "RESOURCE_CONTENTION",
        impactLevel: "impactLevel" in b ? b.impactLevel : "INFRASTRUCTURE",
      }),
    );
  }
  return out;
}

/** Minutes and hours in ms, for readable fixtures. */
export const MIN = 60_000;
export const HOUR = 3_600_000;
