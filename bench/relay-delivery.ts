// Benchmark: relay delivery against a tenant that answers each push in 200 ms (a SaaS tenant
// across the internet). A backlog of alarms is queued before the sender starts, then drained;
// the rate at the default RELAY_CONCURRENCY is measured beside the serial rate (concurrency 1)
// in the same run, against the simulator in its own process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.js";
import { loadConfigFromEnv } from "../src/config/load-env.js";
import { createLogger } from "../src/log/logger.js";
import { toOutbound } from "../src/relay/outbound.js";
import { parseNativeAlarm } from "../src/relay/parse-native.js";
import { startHelper } from "./lib/child.js";
import { check, printTable, printTargets, writeResults } from "./lib/report.js";
import type { SimProcessOptions, SimReady } from "./lib/sim-process.js";

const LATENCY_MS = 200;
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1000);
/** Serial delivery takes LATENCY_MS per alarm: a smaller backlog gives the same rate sooner. */
const SERIAL_BACKLOG = Number(process.env.BENCH_SERIAL_BACKLOG ?? 100);
const DEFAULT_CONCURRENCY = 16;

const sim = await startHelper<SimReady>(new URL("./lib/sim-process.ts", import.meta.url), {
  events: 0,
  now: Date.now(),
  spanMs: 1,
  labelSets: 0,
  seed: 1,
  pushLatencyMs: LATENCY_MS,
} satisfies SimProcessOptions);

/**
 * An alarm storm: `n` alarms from 250 hosts, two transitions (WARNING, then CRITICAL) per alarm,
 * so half of them wait for an earlier alarm of their own identity.
 */
function storm(n: number) {
  const defaults = { eventType: "CUSTOM_INFO" as const, source: "bench", tag: "bench" };
  return Array.from({ length: n }, (_, i) => {
    const identity = i % Math.ceil(n / 2);
    const alarm = parseNativeAlarm(
      {
        host: `host${identity % 250}`,
        chart: "system.cpu",
        alarm: `alarm${Math.floor(identity / 250)}`,
        status: i < n / 2 ? "WARNING" : "CRITICAL",
      },
      defaults,
    );
    return toOutbound(alarm, "v1");
  });
}

async function drain(concurrency: number, backlog: number) {
  const dataDir = mkdtempSync(join(tmpdir(), "dtee-bench-delivery-"));
  const app = createApp(
    loadConfigFromEnv({
      DYNATRACE_URL: sim.ready.url,
      DYNATRACE_API_TOKEN: sim.ready.token,
      DYNATRACE_ENVIRONMENT: "bench",
      DRAIN_INTERVAL: "24h",
      RELAY_TOKENS: "bench-relay-token",
      RELAY_DATA_DIR: dataDir,
      RELAY_CONCURRENCY: String(concurrency),
      HOST: "127.0.0.1",
      PORT: "0",
    }),
    { logger: createLogger("error") },
  );
  const queued = () => app.relay.summary()?.[0]?.queued ?? 0;
  const alarms = storm(backlog);
  for (let i = 0; i < alarms.length; i += 100)
    await app.relay.accept("bench", "native", alarms.slice(i, i + 100));
  const waiting = queued();
  const t0 = performance.now();
  await app.start();
  while (queued() > 0 && performance.now() - t0 < 600_000) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const delivered = waiting - queued();
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return { concurrency, backlog: waiting, delivered, seconds, "alarms/s": delivered / seconds };
}

const serial = await drain(1, SERIAL_BACKLOG);
const concurrent = await drain(DEFAULT_CONCURRENCY, BACKLOG);
await sim.stop();

const ratio = concurrent["alarms/s"] / serial["alarms/s"];
printTable(`relay delivery of a backlog, Dynatrace answering each push in ${LATENCY_MS} ms`, [
  { mode: "serial (RELAY_CONCURRENCY=1)", ...serial },
  { mode: `default (RELAY_CONCURRENCY=${DEFAULT_CONCURRENCY})`, ...concurrent },
]);
console.log(`\nspeed-up over serial: ${ratio.toFixed(1)}x`);
const targets = [
  check(
    `delivered alarms/s per environment at ${LATENCY_MS} ms, default settings`,
    concurrent["alarms/s"],
    ">=",
    50,
  ),
  check("every queued alarm delivered", concurrent.delivered / concurrent.backlog, ">=", 1),
];
printTargets(targets);
console.log(
  `results: ${writeResults("relay-delivery", { latencyMs: LATENCY_MS, serial, concurrent, ratio, targets })}`,
);
