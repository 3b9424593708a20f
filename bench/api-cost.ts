// Benchmark 2: API requests per drain in steady state against the lower bound and a naive re-read.
// 100k events in a 24h window; each simulated minute brings 100 new events and 50 closures; a
// drain runs every 60 s for one simulated hour. Runs in one process: only requests are counted.
import { createApp } from "../src/app.js";
import { loadConfigFromEnv } from "../src/config/load-env.js";
import { createLogger } from "../src/log/logger.js";
import { Prng } from "../src/simulator/prng.js";
import { SimulatedDynatrace } from "../src/simulator/server.js";
import { check, printTable, printTargets, type Row, writeResults } from "./lib/report.js";

const PAGE = 150;
const DAY = 86_400_000;
const MINUTE = 60_000;
const NEW_PER_MINUTE = 100;
const CLOSED_PER_MINUTE = 50;
const DRAINS = 60;

interface Outcome {
  overlap: string;
  requests: number[];
  boundOfQuery: number[];
  boundStrict: number[];
  naive: number[];
}

async function run(overlap: string): Promise<Outcome> {
  let now = Date.UTC(2026, 10, 1);
  const sim = new SimulatedDynatrace({ clock: () => now, seed: 5 });
  await sim.listen();
  sim.generator.history(100_000, DAY, now);
  const prng = new Prng(99);
  const open = [...sim.store.all()].filter((e) => e.endTime === -1).map((e) => e.eventId);
  const config = loadConfigFromEnv({
    DYNATRACE_URL: sim.url,
    DYNATRACE_API_TOKEN: sim.token,
    DRAIN_INTERVAL: "60s",
    EVENTS_WINDOW: "24h",
    DRAIN_OVERLAP: overlap,
  });
  const app = createApp(config, { clock: () => now, logger: createLogger("error") });
  if (!(await app.drainAll())) throw new Error("first drain failed");
  const out: Outcome = { overlap, requests: [], boundOfQuery: [], boundStrict: [], naive: [] };
  const overlapMs = config.environments[0]?.overlapMs ?? 0;
  for (let drain = 1; drain <= DRAINS; drain++) {
    const previous = now;
    for (let i = 0; i < NEW_PER_MINUTE; i++) {
      const e = sim.addEvent({ eventId: prng.int64(), startTime: previous + 1 + prng.int(MINUTE - 1) });
      open.push(e.eventId);
    }
    for (let i = 0; i < CLOSED_PER_MINUTE; i++) {
      const id = open.splice(prng.int(open.length), 1)[0];
      if (id !== undefined) sim.store.close(id, previous + 1 + prng.int(MINUTE - 1));
    }
    now = previous + MINUTE;
    const before = sim.requests.length;
    if (!(await app.drainAll())) throw new Error(`drain ${drain} failed`);
    out.requests.push(sim.requests.length - before);
    // What the drain's query matches: new, changed and still-open events in its time range.
    const seen = sim.store.query({ from: previous - overlapMs, to: now }).length;
    const changed = sim.store.query({ from: previous + 1, to: now }).length;
    out.boundOfQuery.push(Math.max(1, Math.ceil(seen / PAGE)));
    out.boundStrict.push(Math.max(1, Math.ceil(changed / PAGE)));
    out.naive.push(Math.max(1, Math.ceil(sim.store.query({ from: now - DAY, to: now }).length / PAGE)));
  }
  await app.stop();
  await sim.close();
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const outcomes = [await run("2m"), await run("0s")];
const rows: Row[] = outcomes.map((o) => ({
  DRAIN_OVERLAP: o.overlap,
  "requests/drain": mean(o.requests),
  "max over query bound": Math.max(...o.requests.map((r, i) => r - (o.boundOfQuery[i] ?? 0))),
  "query bound": mean(o.boundOfQuery),
  "bound without overlap": mean(o.boundStrict),
  "naive re-read": mean(o.naive),
  "naive / exporter": mean(o.naive) / mean(o.requests),
}));
printTable(
  `API cost in steady state (${DRAINS} drains, 60 s apart; ${NEW_PER_MINUTE} new and ${CLOSED_PER_MINUTE} closed events a minute; 100k in 24h)`,
  rows,
);
const main = outcomes[0] as Outcome;
const targets = [
  check(
    "requests per drain above the lower bound (worst drain, default overlap)",
    Math.max(...main.requests.map((r, i) => r - (main.boundOfQuery[i] ?? 0))),
    "<=",
    1,
  ),
  check("naive re-read requests / exporter requests", mean(main.naive) / mean(main.requests), ">=", 100),
];
printTargets(targets);
console.log(`results: ${writeResults("api-cost", { pageSize: PAGE, drains: DRAINS, outcomes, targets })}`);
