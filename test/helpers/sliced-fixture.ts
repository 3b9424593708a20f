import type { SimulatedDynatrace } from "../../src/simulator/server.js";
import { SAMPLE_PAGES } from "../../src/feed/sliced-read.js";
import type { TimeFilter } from "../../src/simulator/sim-store.js";
import { samples } from "./exposition.js";
import { HOUR, MIN } from "./fixtures.js";
import type { Harness } from "./harness.js";

/** The window every sliced-read test drains (EVENTS_WINDOW's default). */
export const WINDOW = 24 * HOUR;
const V2_LOOKBACK = 30 * 24 * HOUR;

let nextId = 7_000_000_000_000_000_000n;

/**
 * Seeds a simulator for a sliced full read: `count` generated events over the last 30 hours (so
 * some start before the window and end in it, some stay open from before it; most span minutes,
 * crossing any boundary), with `lateEnds` 20 more that started hours before the window and ended
 * late in it or are open, and `cluster` events sharing one start time at each place the first
 * slices will be cut (after the pages the first chain reads alone, when `slices` chains pay off).
 * Returns the cuts.
 */
export function seedSliced(
  sim: SimulatedDynatrace,
  now: number,
  o: {
    count: number;
    cluster: number;
    pageSize: number;
    filter: TimeFilter;
    slices: number;
    /** Add 20 events that started before the window and ended late in it (or are open). */
    lateEnds?: boolean;
  },
): number[] {
  sim.generator.history(o.count, 30 * HOUR, now);
  for (let i = 0; o.lateEnds && i < 20; i++) {
    // Started before the window; ended late in it (only a query holding the end returns it when
    // the filter is literal), or still open.
    const startTime = now - WINDOW - (i + 1) * HOUR;
    sim.addEvent({ eventId: ++nextId, startTime, endTime: i % 2 ? -1 : now - (i + 1) * 30 * MIN });
  }
  const from = now - WINDOW;
  const result = sim.store.query({ from, to: now }, o.filter);
  const sampled = Math.min(SAMPLE_PAGES * o.pageSize, result.length);
  const pos = (result[sampled - 1] ?? { startTime: now }).startTime;
  const span = (pos - from) / o.slices;
  const cuts = Array.from({ length: o.slices - 1 }, (_, i) => Math.floor(from + span * (i + 1)));
  for (const startTime of cuts) {
    for (let i = 0; i < o.cluster; i++) {
      sim.addEvent({
        eventId: ++nextId,
        startTime,
        endTime: i % 3 ? startTime + 5 * MIN : -1,
        eventType: "PROCESS_CRASHED",
        severityLevel: "AVAILABILITY",
      });
    }
  }
  return cuts;
}

/** Open and closed events a correct drain of the window tracks, by the simulator's own store. */
export function truth(
  sim: SimulatedDynatrace,
  now: number,
  api: "v1" | "v2",
): { open: number; closed: number } {
  const filter = api === "v2" ? "overlap" : sim.store.timeFilter;
  const seen = new Map<bigint, number>();
  for (const e of sim.store.query({ from: now - WINDOW, to: now }, filter)) seen.set(e.eventId, e.endTime);
  if (api === "v2") {
    for (const e of sim.store.query({ from: now - V2_LOOKBACK, to: now }, "overlap")) {
      if (e.endTime === -1) seen.set(e.eventId, -1);
    }
  }
  let open = 0;
  let closed = 0;
  for (const end of seen.values()) {
    if (end === -1) open++;
    else if (end >= now - WINDOW) closed++;
  }
  return { open, closed };
}

/** The `dynatrace_events` series of a scrape as `labels=value` lines, sorted (for equality). */
export function eventSeries(metrics: string): string[] {
  return samples(metrics, "dynatrace_events")
    .map((s) => `${JSON.stringify(s.labels)}=${s.value}`)
    .sort();
}

/** Feed GETs the simulator has answered (or dropped) since `since` requests. */
export function feedGets(h: Harness, since = 0): number {
  return h.sim.requests.slice(since).filter((r) => r.method === "GET").length;
}
