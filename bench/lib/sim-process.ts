// A simulated Dynatrace environment in its own process, seeded for one benchmark.
import { Prng } from "../../src/simulator/prng.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { eventToJson } from "../../src/simulator/sim-event.js";
import { helperOptions, serveRequests } from "./child.js";

/** How the benchmark wants the environment seeded. */
export interface SimProcessOptions {
  /** Events in the window. */
  events: number;
  /** Fixed simulated time (ms) of the environment's clock. */
  now: number;
  /** Events start within this span before `now`. */
  spanMs: number;
  /** 0: the simulator's realistic mix; otherwise this many distinct (type, severity, impact) sets. */
  labelSets: number;
  seed: number;
  /** Added to every push answer (default 0). */
  pushLatencyMs?: number;
  /** Added to every feed page (default 0). */
  feedLatencyMs?: number;
  /** Keep rendered pages (default true; see SimulatorOptions.cachePages). */
  cachePages?: boolean;
  /** Render every event once before listening, so that the first read is not the slow one. */
  prerender?: boolean;
}

/** What the process sends once it listens. */
export interface SimReady {
  url: string;
  token: string;
  events: number;
}

const SEVERITIES = ["AVAILABILITY", "ERROR", "PERFORMANCE", "RESOURCE_CONTENTION", "CUSTOM_ALERT"];
const IMPACTS = ["INFRASTRUCTURE", "SERVICE", "APPLICATION", "ENVIRONMENT"];

const o = helperOptions<SimProcessOptions>();
const sim = new SimulatedDynatrace({
  clock: () => o.now,
  seed: o.seed,
  cachePages: o.cachePages ?? true,
  pushLatencyMs: o.pushLatencyMs,
  feedLatencyMs: o.feedLatencyMs,
});
if (o.labelSets === 0) {
  sim.generator.history(o.events, o.spanMs, o.now);
} else {
  const prng = new Prng(o.seed);
  for (let i = 0; i < o.events; i++) {
    const set = i % o.labelSets;
    const startTime = o.now - Math.floor(prng.next() * o.spanMs);
    sim.addEvent({
      eventId: prng.int64(),
      startTime,
      endTime: prng.next() < 0.3 ? -1 : Math.min(o.now, startTime + prng.int(3_600_000)),
      eventType: `BENCH_EVENT_${Math.floor(set / SEVERITIES.length)}`,
      severityLevel: SEVERITIES[set % SEVERITIES.length],
      impactLevel: IMPACTS[set % IMPACTS.length],
    });
  }
}
if (o.prerender) for (const e of sim.store.all()) eventToJson(e, sim.feed.withIdField);
const url = await sim.listen();
serveRequests((r) => {
  if (r.type === "feedRequests") return sim.requests.filter((q) => q.method === "GET").length;
  if (r.type === "forget") sim.requests.length = 0;
  if (r.type === "pushLatency") sim.pushLatencyMs = r.ms as number;
  if (r.type === "feedHighWater") return sim.feedLoad.highWater;
  if (r.type === "resetHighWater") sim.feedLoad.resetHighWater();
  if (r.type === "counts") return Object.fromEntries(sim.oracle.countsInWindow(r.windowMs as number));
  return null;
});
process.send?.({ url, token: sim.token, events: sim.store.size } satisfies SimReady);
