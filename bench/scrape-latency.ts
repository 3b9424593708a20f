// Benchmark 4: /metrics latency (scraped from another process) and event-loop delay while a
// full drain of 1M events across 5k label sets runs.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createApp } from "../src/app.js";
import { loadConfigFromEnv } from "../src/config/load-env.js";
import { createLogger } from "../src/log/logger.js";
import { startHelper } from "./lib/child.js";
import { check, printTable, printTargets, writeResults } from "./lib/report.js";
import type { ScraperOptions } from "./lib/scraper-process.js";
import type { SimProcessOptions, SimReady } from "./lib/sim-process.js";
import { percentile } from "./lib/stats.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const LABEL_SETS = 5000;
const START = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;

const options: SimProcessOptions = {
  events: EVENTS,
  now: START,
  spanMs: DAY - 120_000,
  labelSets: LABEL_SETS,
  seed: 3,
};
const sim = await startHelper<SimReady>(new URL("./lib/sim-process.ts", import.meta.url), options);
let now = START;
const app = createApp(
  loadConfigFromEnv({
    DYNATRACE_URL: sim.ready.url,
    DYNATRACE_API_TOKEN: sim.ready.token,
    DRAIN_INTERVAL: "24h",
    RESYNC_INTERVAL: "1m",
    EVENTS_WINDOW: "24h",
    HOST: "127.0.0.1",
    PORT: "0",
  }),
  { clock: () => now, logger: createLogger("error") },
);
// Serve /metrics without the drain loop, so that each drain below runs exactly when measured.
const server = app.http.listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const { port } = server.address() as AddressInfo;
// Baseline: a bare node:http server in this same process answering with a fixed body of the
// scrape's size. What it costs to move the bytes while the same drain runs is the floor.
let staticBody: Buffer = Buffer.alloc(0);
const bare = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
  res.end(staticBody);
});
bare.listen(0, "127.0.0.1");
await new Promise((r) => bare.once("listening", r));
const scraperFor = (url: string, headers?: Record<string, string>) =>
  startHelper<unknown>(new URL("./lib/scraper-process.ts", import.meta.url), {
    url,
    intervalMs: 50,
    headers,
  } satisfies ScraperOptions);
// What Prometheus 2.x sends on every scrape.
const PROMETHEUS_HEADERS = {
  accept:
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
  "accept-encoding": "gzip",
};
const scraper = await scraperFor(`http://127.0.0.1:${port}/metrics`, PROMETHEUS_HEADERS);
const plainScraper = await scraperFor(`http://127.0.0.1:${port}/metrics`);
const bareScraper = await scraperFor(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);

async function measure(label: string, during: () => Promise<unknown>, target = scraper) {
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  await target.call({ type: "start" });
  loopDelay.enable();
  const t0 = performance.now();
  await during();
  const seconds = (performance.now() - t0) / 1000;
  loopDelay.disable();
  const { latencies, bytes } = await target.call<{ latencies: number[]; bytes: number }>({ type: "stop" });
  return {
    phase: label,
    seconds,
    scrapes: latencies.length,
    "scrape KiB": bytes / 1024,
    "scrape p50 ms": percentile(latencies, 50),
    "scrape p99 ms": percentile(latencies, 99),
    "scrape max ms": Math.max(...latencies),
    "loop delay p99 ms": loopDelay.percentile(99) / 1e6,
    "loop delay max ms": loopDelay.max / 1e6,
  };
}

const drain = async () => {
  if (!(await app.drainAll())) throw new Error("drain failed");
};
// The first drain changes counts on every page, so nearly every scrape renders (and compresses) anew.
const first = await measure(`gzip: first drain, ${EVENTS} events`, drain);
const idle = await measure("gzip: between drains", () => new Promise((r) => setTimeout(r, 3000)));
now += 61_000; // past RESYNC_INTERVAL: the next drain re-reads all 1M events, counts unchanged
const resync = await measure(`gzip: resync drain, ${EVENTS} events`, drain);
now += 61_000;
const plainResync = await measure(`uncompressed: resync drain, ${EVENTS} events`, drain, plainScraper);
staticBody = (await app.metricsText(false)).body;
const bareIdle = await measure(
  "baseline: static body, no drain",
  () => new Promise((r) => setTimeout(r, 3000)),
  bareScraper,
);
now += 61_000;
const bareBusy = await measure("baseline: static body, resync drain", drain, bareScraper);
await scraper.stop();
await plainScraper.stop();
await bareScraper.stop();
bare.closeAllConnections();
bare.close();
server.closeAllConnections();
await new Promise((r) => server.close(r));
await app.stop();
await sim.stop();
printTable(`/metrics with ${LABEL_SETS} label sets, scraped every 50 ms from another process`, [
  first,
  idle,
  resync,
  plainResync,
  bareIdle,
  bareBusy,
]);
const worst = (key: "scrape p99 ms" | "loop delay p99 ms") => Math.max(first[key], resync[key]);
const ratioToBaseline = resync["scrape p99 ms"] / bareBusy["scrape p99 ms"];
const ratioToUncompressed = resync["scrape p99 ms"] / plainResync["scrape p99 ms"];
console.log(
  `\ngzip scrape p99 in a resync / static uncompressed body p99 in a resync: ${ratioToBaseline.toFixed(2)}`,
);
console.log(
  `gzip scrape p99 in a resync / uncompressed scrape p99 in a resync: ${ratioToUncompressed.toFixed(2)}`,
);
const targets = [
  check("gzip scrape p99 ms while a drain runs (worse drain)", worst("scrape p99 ms"), "<=", 10),
  check("event-loop delay p99 ms while a drain runs (worse drain)", worst("loop delay p99 ms"), "<=", 50),
];
printTargets(targets);
console.log(
  `results: ${writeResults("scrape-latency", {
    events: EVENTS,
    labelSets: LABEL_SETS,
    first,
    idle,
    resync,
    uncompressed: { resync: plainResync },
    baseline: { idle: bareIdle, resync: bareBusy },
    ratioToBaseline,
    ratioToUncompressed,
    targets,
  })}`,
);
