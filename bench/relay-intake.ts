// Benchmark 5: relay intake from 64 concurrent netdata-style senders, against a no-op express
// handler in the same run: the saturation rate (back to back) and the latency at 3,000 alarms/s
// (paced); then the delivery rate from the outbox to the simulated Dynatrace.
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { type IntervalHistogram, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { join } from "node:path";
import express from "express";
import { createApp } from "../src/app.js";
import { loadConfigFromEnv } from "../src/config/load-env.js";
import { createLogger } from "../src/log/logger.js";
import { startHelper } from "./lib/child.js";
import type { LoadOptions, LoadResult, LoadRun } from "./lib/load-process.js";
import { check, printTable, printTargets, writeResults } from "./lib/report.js";
import type { SimProcessOptions, SimReady } from "./lib/sim-process.js";
import { percentile } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 64;
const PACED_RATE = 3000;
/** A rate with headroom, to show latency when the relay is not near saturation. */
const EASY_RATE = 1500;
const UPSTREAM_LATENCY_MS = 25;
const TOKEN = "bench-relay-token";
const PATH = "/api/v1/events";

const load = await startHelper<unknown>(new URL("./lib/load-process.ts", import.meta.url), {
  connections: CONNECTIONS,
} satisfies LoadOptions);

function summary(handler: string, mode: string, r: LoadResult, loop: IntervalHistogram, gcMs: number) {
  return {
    handler,
    mode,
    seconds: r.seconds,
    "accepted/s": r.latencies.length / r.seconds,
    "p50 ms": percentile(r.latencies, 50),
    "p99 ms": percentile(r.latencies, 99),
    "max ms": Math.max(...r.latencies),
    "loop delay p99 ms": loop.percentile(99) / 1e6,
    "loop delay max ms": loop.max / 1e6,
    "gc ms": gcMs,
    answers: Object.entries(r.byStatus)
      .map(([s, n]) => `${s}:${n}`)
      .join(" "),
  };
}
type Summary = ReturnType<typeof summary>;

/** Warm-up (discarded), then paced and saturation runs against one handler in this process. */
async function measure(
  handler: string,
  port: number,
): Promise<{ saturated: Summary; paced: Summary; easy: Summary }> {
  const run = async (mode: string, seconds: number, rate?: number) => {
    const loop = monitorEventLoopDelay({ resolution: 1 });
    let gcMs = 0;
    const gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcMs += e.duration;
    });
    gc.observe({ entryTypes: ["gc"] });
    loop.enable();
    const r = await load.call<LoadResult>({
      url: `http://127.0.0.1:${port}`,
      path: PATH,
      token: TOKEN,
      seconds,
      rate,
    } satisfies LoadRun);
    loop.disable();
    gc.disconnect();
    return summary(handler, mode, r, loop, gcMs);
  };
  await run("warm-up", 1, PACED_RATE);
  // Paced first: the back-to-back run leaves a backlog whose delivery would share the CPU.
  const easy = await run(`paced ${EASY_RATE}/s`, SECONDS, EASY_RATE);
  const paced = await run(`paced ${PACED_RATE}/s`, SECONDS, PACED_RATE);
  const saturated = await run("back to back", SECONDS);
  return { saturated, paced, easy };
}

async function listen(app: express.Express): Promise<Server> {
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  return server;
}

// Baseline: an express handler that answers 200 and does nothing else.
const noop = express();
noop.post(PATH, (_req, res) => {
  res.status(200).end();
});
const noopServer = await listen(noop);
const baseline = await measure("no-op express (baseline)", (noopServer.address() as AddressInfo).port);
noopServer.closeAllConnections();
noopServer.close();

// Dynatrace answers pushes after a realistic round trip while alarms come in, as a tenant reached
// over the internet would; one-at-a-time delivery then costs the intake little CPU, as in
// production. The delivery rate is measured afterwards with no added latency (the sender's own
// ceiling).
const options: SimProcessOptions = {
  events: 0,
  now: Date.now(),
  spanMs: 1,
  labelSets: 0,
  seed: 1,
  pushLatencyMs: UPSTREAM_LATENCY_MS,
};
const sim = await startHelper<SimReady>(new URL("./lib/sim-process.ts", import.meta.url), options);
const dataDir = mkdtempSync(join(tmpdir(), "dtee-bench-relay-"));
const app = createApp(
  loadConfigFromEnv({
    DYNATRACE_URL: sim.ready.url,
    DYNATRACE_API_TOKEN: sim.ready.token,
    DYNATRACE_ENVIRONMENT: "bench",
    DRAIN_INTERVAL: "24h",
    RELAY_TOKENS: TOKEN,
    RELAY_DATA_DIR: dataDir,
    RELAY_QUEUE_LIMIT: "1000000",
    ...(process.env.BENCH_RELAY_CONCURRENCY
      ? { RELAY_CONCURRENCY: process.env.BENCH_RELAY_CONCURRENCY }
      : {}),
    HOST: "127.0.0.1",
    PORT: "0",
    // The 64 senders stand for 64 agents but share one address here; reconnects after
    // maxRequestsPerSocket would briefly exceed a cap of exactly 64.
    WEB_MAX_CONNECTIONS_PER_CLIENT: String(CONNECTIONS * 2),
  }),
  { logger: createLogger("error") },
);
const { port } = await app.start();
const relay = await measure("relay, durable outbox", port);
const queued = () => app.relay.summary()?.[0]?.queued ?? 0;
await sim.call({ type: "pushLatency", ms: 0 });
const waiting = queued();
const t0 = performance.now();
while (queued() > 0 && performance.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
const deliverySeconds = (performance.now() - t0) / 1000;
const delivery = {
  waiting,
  delivered: waiting - queued(),
  seconds: deliverySeconds,
  perSecond: (waiting - queued()) / deliverySeconds,
};
await app.stop();
await sim.stop();
await load.stop();
rmSync(dataDir, { recursive: true, force: true });

printTable(
  `relay intake: ${CONNECTIONS} connections, ${SECONDS} s per run, netdata-style v1 alarms, Dynatrace answering in ${UPSTREAM_LATENCY_MS} ms`,
  [baseline.saturated, relay.saturated, baseline.paced, relay.paced, baseline.easy, relay.easy],
);
printTable("delivery of the backlog from the outbox to the simulated Dynatrace (no added latency)", [
  {
    "queued after intake": delivery.waiting,
    delivered: delivery.delivered,
    seconds: delivery.seconds,
    "delivered/s": delivery.perSecond,
  },
]);
const targets = [
  check("accepted alarms/s (back to back)", relay.saturated["accepted/s"], ">=", 3000),
  check(`p99 ms at ${PACED_RATE} alarms/s`, relay.paced["p99 ms"], "<=", 25),
  check(
    "accepted/s relative to the no-op express baseline",
    relay.saturated["accepted/s"] / baseline.saturated["accepted/s"],
    ">=",
    0.25,
  ),
];
printTargets(targets);
console.log(
  `results: ${writeResults("relay-intake", { connections: CONNECTIONS, seconds: SECONDS, pacedRate: PACED_RATE, baseline, relay, delivery, targets })}`,
);
