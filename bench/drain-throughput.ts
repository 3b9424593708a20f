// Benchmark 1: a full first drain against the bare fetch+parse limit, at 100k and 1M events.
import { Pool } from "undici";
import { exporterFeed } from "./lib/exporter-drain.js";
import { startHelper } from "./lib/child.js";
import { check, printTable, printTargets, type Row, writeResults } from "./lib/report.js";
import type { SimProcessOptions, SimReady } from "./lib/sim-process.js";
import { collectGarbage, median } from "./lib/stats.js";

const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const NOW = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;

/** The baseline: follow the cursor with a keep-alive undici pool and JSON.parse each page, nothing else. */
async function bareFetchParse(url: string, token: string): Promise<number> {
  const pool = new Pool(url, { connections: 1 });
  let path = `/api/v1/events?from=${NOW - DAY}&to=${NOW}`;
  let events = 0;
  for (;;) {
    const res = await pool.request({
      method: "GET",
      path,
      headers: { authorization: `Api-Token ${token}`, accept: "application/json" },
    });
    const page = JSON.parse(await res.body.text()) as { events: unknown[]; nextCursor: string | null };
    events += page.events.length;
    if (!page.nextCursor) break;
    path = `/api/v1/events?cursor=${encodeURIComponent(page.nextCursor)}`;
  }
  await pool.close();
  return events;
}

/** Settings of the exporter's drain over its defaults (BENCH_DRAIN_SETTINGS, JSON). */
const SETTINGS = JSON.parse(process.env.BENCH_DRAIN_SETTINGS ?? "{}") as Record<string, string>;

async function exporterDrain(url: string, token: string): Promise<number> {
  const feed = exporterFeed(url, token, NOW, "24h", SETTINGS);
  const result = await feed.drainer.drainOnce();
  if (!result.ok) throw new Error("exporter drain failed");
  const n = feed.store.size;
  await feed.close();
  return n;
}

/** Wall time and this process's CPU time of one read (the simulator's CPU is its own process's). */
async function timed(run: () => Promise<number>): Promise<{ seconds: number; cpu: number; events: number }> {
  collectGarbage();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const events = await run();
  const c = process.cpuUsage(c0);
  return { seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, events };
}

const rows: Row[] = [];
const results: Record<string, unknown>[] = [];
const targets = [];
for (const size of SIZES) {
  const options: SimProcessOptions = { events: size, now: NOW, spanMs: DAY - 60_000, labelSets: 0, seed: 11 };
  const sim = await startHelper<SimReady>(new URL("./lib/sim-process.ts", import.meta.url), options);
  const { url, token } = sim.ready;
  await bareFetchParse(url, token); // fills the simulator's page cache and warms both ends
  const base: number[] = [];
  const ours: number[] = [];
  const baseCpu: number[] = [];
  const ourCpu: number[] = [];
  let events = 0;
  for (let i = 0; i < REPEATS; i++) {
    const b = await timed(() => bareFetchParse(url, token));
    const e = await timed(() => exporterDrain(url, token));
    if (b.events !== e.events) throw new Error(`baseline read ${b.events} events, exporter ${e.events}`);
    events = e.events;
    base.push(b.seconds);
    ours.push(e.seconds);
    baseCpu.push(b.cpu);
    ourCpu.push(e.cpu);
  }
  await sim.stop();
  const baseRate = events / median(base);
  const ourRate = events / median(ours);
  const ratio = ourRate / baseRate;
  // On a shared machine wall time swings with the neighbours; CPU seconds per read much less.
  const cpuRatio = median(baseCpu) / median(ourCpu);
  rows.push({
    events,
    pages: Math.ceil(events / 150),
    "baseline s": median(base),
    "baseline events/s": Math.round(baseRate),
    "exporter s": median(ours),
    "exporter events/s": Math.round(ourRate),
    ratio,
    "baseline CPU s": median(baseCpu),
    "exporter CPU s": median(ourCpu),
    "CPU ratio": cpuRatio,
  });
  results.push({
    events,
    baselineSeconds: base,
    exporterSeconds: ours,
    baselineCpuSeconds: baseCpu,
    exporterCpuSeconds: ourCpu,
    cpuRatio,
    baselineRate: baseRate,
    exporterRate: ourRate,
    ratio,
  });
  targets.push(check(`drain throughput ratio at ${events} events`, ratio, ">=", 0.6));
  targets.push(check(`drain CPU ratio at ${events} events (default settings)`, cpuRatio, ">=", 0.8));
}
printTable(`drain throughput (median of ${REPEATS}; baseline = undici keep-alive + JSON.parse)`, rows);
printTargets(targets);
console.log(`results: ${writeResults("drain-throughput", { repeats: REPEATS, runs: results, targets })}`);
