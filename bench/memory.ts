// Benchmark 3: heap and RSS held per tracked event after a full drain of 100k and 1M events.
import { startHelper } from "./lib/child.js";
import { exporterFeed } from "./lib/exporter-drain.js";
import { check, printTable, printTargets, type Row, writeResults } from "./lib/report.js";
import type { SimProcessOptions, SimReady } from "./lib/sim-process.js";
import { collectGarbage } from "./lib/stats.js";

const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
const NOW = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;

const rows: Row[] = [];
const runs: Record<string, number>[] = [];
const targets = [];
for (const size of SIZES) {
  const options: SimProcessOptions = { events: size, now: NOW, spanMs: DAY - 60_000, labelSets: 0, seed: 11 };
  const sim = await startHelper<SimReady>(new URL("./lib/sim-process.ts", import.meta.url), options);
  collectGarbage();
  const before = process.memoryUsage();
  const feed = exporterFeed(sim.ready.url, sim.ready.token, NOW);
  const result = await feed.drainer.drainOnce();
  if (!result.ok) throw new Error("drain failed");
  await feed.close();
  collectGarbage();
  const after = process.memoryUsage();
  const tracked = feed.store.size;
  const heapPerEvent =
    (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / tracked;
  const rssPerEvent = (after.rss - before.rss) / tracked;
  rows.push({
    events: tracked,
    "heap MiB": (after.heapUsed - before.heapUsed) / 2 ** 20,
    "typed arrays MiB": (after.arrayBuffers - before.arrayBuffers) / 2 ** 20,
    "rss MiB": (after.rss - before.rss) / 2 ** 20,
    "bytes/event (heap+arrays)": heapPerEvent,
    "rss bytes/event": rssPerEvent,
  });
  runs.push({
    events: tracked,
    heapUsedDelta: after.heapUsed - before.heapUsed,
    arrayBuffersDelta: after.arrayBuffers - before.arrayBuffers,
    rssDelta: after.rss - before.rss,
    heapBytesPerEvent: heapPerEvent,
    rssBytesPerEvent: rssPerEvent,
  });
  if (tracked >= 1_000_000)
    targets.push(check(`heap bytes per event at ${tracked} events`, heapPerEvent, "<=", 250));
  await sim.stop();
  // Keep the store alive until measured; drop it before the next size.
  void feed.store.size;
}
printTable("memory held by the event store after a full drain (delta after full GC)", rows);
printTargets(targets);
console.log(`results: ${writeResults("memory", { runs, targets })}`);
