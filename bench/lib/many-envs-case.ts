// One case of bench/many-environments.ts, in a process of its own so that RSS means this case:
// N environments (one config file) all reading one simulated tenant in a helper process.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";
import { request } from "undici";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/load-file.js";
import { createLogger } from "../../src/log/logger.js";
import { helperOptions, startHelper } from "./child.js";
import type { SimProcessOptions, SimReady } from "./sim-process.js";
import { collectGarbage, percentile } from "./stats.js";

/** What a case reports to the parent. */
export interface CaseResult {
  environments: number;
  events: number;
  readySeconds: number;
  rssMiB: number;
  heapMiB: number;
  arrayBuffersMiB: number;
  /** (heap + array buffers after − before the app) / environments − events × the per-event bytes. */
  fixedBytesPerEnvironment: number;
  /** (RSS after − before the app) / environments. */
  rssBytesPerEnvironment: number;
  steadyCpuShare: number;
  scrapeKiB: number;
  gzipKiB: number;
  scrapeP99Ms: number;
  gzipP99Ms: number;
  loopDelayP99Ms: number;
  exact: boolean;
}

const NOW = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;
/** The memory bench's figure per tracked event in a small store, deducted to leave the fixed cost. */
const BYTES_PER_EVENT = 60;
// A whole DRAIN_INTERVAL: every environment drains once within it, whenever its first drain ended.
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 60);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 20);

const o = helperOptions<{ environments: number; events: number }>();
const simOptions: SimProcessOptions = {
  events: o.events,
  now: NOW,
  spanMs: DAY - 60_000,
  labelSets: 0,
  seed: 24,
};
const sim = await startHelper<SimReady>(new URL("./sim-process.ts", import.meta.url), simOptions);
const dir = mkdtempSync(join(tmpdir(), "dtee-bench-many-"));
const names = Array.from({ length: o.environments }, (_, i) => `env-${i}`);
const file = join(dir, "environments.yml");
writeFileSync(
  file,
  `environments:\n${names.map((n) => `  - name: ${n}\n    url: ${sim.ready.url}\n    token: \${TOKEN}\n`).join("")}`,
);
const config = loadConfig(
  { TOKEN: sim.ready.token, HOST: "127.0.0.1", PORT: "0", EVENTS_WINDOW: "24h", DRAIN_INTERVAL: "60s" },
  file,
);
collectGarbage();
const before = process.memoryUsage();
const app = createApp(config, { logger: createLogger("error"), clock: () => NOW });
const t0 = performance.now();
const { port } = await app.start();
while (!app.statuses().every((s) => s.succeededOnce)) await new Promise((r) => setTimeout(r, 20));
const readySeconds = (performance.now() - t0) / 1000;
collectGarbage();
const after = process.memoryUsage();

const cpu0 = process.cpuUsage();
const w0 = performance.now();
await new Promise((r) => setTimeout(r, STEADY_SECONDS * 1000));
const cpu = process.cpuUsage(cpu0);
const steadyCpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - w0);

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const url = `http://127.0.0.1:${port}/metrics`;
const plain = await scrapes(url, {});
const gzip = await scrapes(url, { "accept-encoding": "gzip" });
loop.disable();
const body = plain.gzip ? gunzipSync(plain.raw) : plain.raw;
const expected = (await sim.call<Record<string, number>>({ type: "counts", windowMs: DAY })) ?? {};
if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, body);
const exact = gaugesExact(body.toString("utf8"), names, expected);
const heapAndArrays = (m: NodeJS.MemoryUsage) => m.heapUsed + m.arrayBuffers;
const result: CaseResult = {
  environments: o.environments,
  events: o.events,
  readySeconds,
  rssMiB: after.rss / 2 ** 20,
  heapMiB: after.heapUsed / 2 ** 20,
  arrayBuffersMiB: after.arrayBuffers / 2 ** 20,
  fixedBytesPerEnvironment:
    (heapAndArrays(after) - heapAndArrays(before)) / o.environments - o.events * BYTES_PER_EVENT,
  rssBytesPerEnvironment: (after.rss - before.rss) / o.environments,
  steadyCpuShare,
  scrapeKiB: body.length / 1024,
  gzipKiB: gzip.raw.length / 1024,
  scrapeP99Ms: percentile(plain.latencies, 99),
  gzipP99Ms: percentile(gzip.latencies, 99),
  loopDelayP99Ms: loop.percentile(99) / 1e6,
  exact,
};
await app.stop();
await sim.stop();
rmSync(dir, { recursive: true, force: true });
process.send?.(result);

/**
 * Scrapes `target` back to back. Bodies are decoded after the loop delay is measured (the last
 * one only): a gunzip here would stop this process's loop, which the exporter shares.
 */
async function scrapes(
  target: string,
  headers: Record<string, string>,
): Promise<{ latencies: number[]; raw: Buffer; gzip: boolean }> {
  const latencies: number[] = [];
  let raw = Buffer.alloc(0);
  let gzip = false;
  for (let i = 0; i < SCRAPES; i++) {
    const t = performance.now();
    const res = await request(target, { headers });
    raw = Buffer.from(await res.body.arrayBuffer());
    latencies.push(performance.now() - t);
    gzip = res.headers["content-encoding"] === "gzip";
  }
  return { latencies, raw, gzip };
}

/** Every environment's `dynatrace_events` equal to the simulator's counts (zeros ignored). */
function gaugesExact(text: string, environments: string[], want: Record<string, number>): boolean {
  const got = new Map<string, Map<string, number>>(environments.map((n) => [n, new Map()]));
  const line =
    /^dynatrace_events\{environment="([^"]*)",event_type="([^"]*)",severity_level="([^"]*)",impact_level="([^"]*)",status="([^"]*)"\} (\S+)$/gm;
  for (const m of text.matchAll(line)) {
    const n = Number(m[6]);
    if (n !== 0) got.get(m[1] as string)?.set(`${m[2]}/${m[3]}/${m[4]}/${m[5]}`, n);
  }
  const wanted = Object.entries(want).filter(([, n]) => n > 0);
  for (const counts of got.values()) {
    if (counts.size !== wanted.length) return false;
    for (const [k, n] of wanted) if (counts.get(k) !== n) return false;
  }
  return true;
}
