// Benchmark 7: the first drain (a full read) of a tenant answering each feed page in 100 or
// 200 ms, read in time slices side by side (FEED_READ_CONCURRENCY=8, the default; and 4) against the
// unsliced read (1) and the serial bound (pages x latency), with the requests each made.
import { exporterFeed } from "./lib/exporter-drain.js";
import { type Helper, startHelper } from "./lib/child.js";
import { check, printTable, printTargets, type Row, type TargetResult, writeResults } from "./lib/report.js";
import type { SimProcessOptions, SimReady } from "./lib/sim-process.js";

const SIZES = (process.env.BENCH_SLICED_SIZES ?? "100000,1000000").split(",").map(Number);
const LATENCIES = (process.env.BENCH_SLICED_LATENCIES ?? "100,200").split(",").map(Number);
/** Up to this many pages the unsliced read is measured whole; beyond, its first SAMPLE pages. */
const UNSLICED_WHOLE_PAGES = Number(process.env.BENCH_UNSLICED_WHOLE_PAGES ?? 1000);
const SAMPLE_PAGES = 200;
const NOW = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;
const PAGE = 150;

interface Drain {
  seconds: number;
  requests: number;
  events: number;
  highWater: number;
  ok: boolean;
}

async function drain(sim: Helper<SimReady>, settings: Record<string, string>): Promise<Drain> {
  const { url, token } = sim.ready;
  await sim.call({ type: "forget" });
  await sim.call({ type: "resetHighWater" });
  const feed = exporterFeed(url, token, NOW, "24h", settings);
  const t0 = performance.now();
  const result = await feed.drainer.drainOnce();
  const seconds = (performance.now() - t0) / 1000;
  const events = feed.store.size;
  await feed.close();
  const requests = await sim.call<number>({ type: "feedRequests" });
  const highWater = await sim.call<number>({ type: "feedHighWater" });
  return { seconds, requests, events, highWater, ok: result.ok };
}

const rows: Row[] = [];
const runs: Record<string, unknown>[] = [];
const targets: TargetResult[] = [];
for (const size of SIZES) {
  for (const latencyMs of LATENCIES) {
    const options: SimProcessOptions = {
      events: size,
      now: NOW,
      spanMs: DAY - 60_000,
      labelSets: 0,
      seed: 11,
      feedLatencyMs: latencyMs,
      cachePages: false,
      prerender: true,
    };
    const sim = await startHelper<SimReady>(new URL("./lib/sim-process.ts", import.meta.url), options);
    const pages = Math.ceil(sim.ready.events / PAGE);
    const sliced = await drain(sim, {});
    if (!sliced.ok) throw new Error("the sliced drain failed");
    // Narrower than the default where it is cheap to show: the bound scales the gain.
    const wide = pages <= UNSLICED_WHOLE_PAGES ? await drain(sim, { FEED_READ_CONCURRENCY: "4" }) : undefined;
    let unsliced: { seconds: number; requests: number; measured: string };
    if (pages <= UNSLICED_WHOLE_PAGES) {
      const u = await drain(sim, { FEED_READ_CONCURRENCY: "1" });
      if (!u.ok || u.events !== sliced.events) throw new Error("the unsliced drain failed or differs");
      unsliced = { seconds: u.seconds, requests: u.requests, measured: "whole" };
    } else {
      // The first SAMPLE_PAGES pages (FEED_MAX_PAGES stops the read there), scaled to all pages.
      const u = await drain(sim, { FEED_READ_CONCURRENCY: "1", FEED_MAX_PAGES: String(SAMPLE_PAGES) });
      unsliced = {
        seconds: (u.seconds / u.requests) * pages,
        requests: pages,
        measured: `${u.requests} pages`,
      };
    }
    await sim.stop();
    const serial = (pages * latencyMs) / 1000;
    const extra = (sliced.requests - unsliced.requests) / unsliced.requests;
    const row = (concurrency: number, d: Drain) => ({
      events: sim.ready.events,
      "latency ms": latencyMs,
      pages,
      "serial bound s": serial,
      "unsliced s": unsliced.seconds,
      "unsliced measured": unsliced.measured,
      concurrency,
      "sliced s": d.seconds,
      "x under serial": serial / d.seconds,
      "unsliced requests": unsliced.requests,
      "sliced requests": d.requests,
      "extra %": ((d.requests - unsliced.requests) / unsliced.requests) * 100,
      "in flight max": d.highWater,
    });
    rows.push(row(8, sliced));
    if (wide) rows.push(row(4, wide));
    runs.push({ events: sim.ready.events, latencyMs, pages, serial, unsliced, sliced, wide, extra });
    const label = `${sim.ready.events} events at ${latencyMs} ms`;
    targets.push(
      check(`sliced first drain, times under the serial bound, ${label}`, serial / sliced.seconds, ">=", 4),
    );
    targets.push(check(`sliced read's extra requests (%), ${label}`, extra * 100, "<=", 2));
    // Written after each case: the 1M cases take minutes each, and a partial run still tells.
    writeResults("sliced-read", { runs, targets, complete: false });
  }
}
printTable("first drain, sliced (FEED_READ_CONCURRENCY=8, and 4) vs unsliced (1) vs serial bound", rows);
printTargets(targets);
console.log(`results: ${writeResults("sliced-read", { runs, targets, complete: true })}`);
