// Benchmark: what the series cap bounds. A tenant sends 100,000 distinct event types; for several
// caps, the scrape size of the event families and the time of a full re-render (a drain changed
// a count, so nothing cached is served), plus the cost of interning with folding on.
import { EventStore } from "../src/feed/event-store.js";
import { keyOf, type LabelSetCap } from "../src/feed/label-sets.js";
import { createLogger } from "../src/log/logger.js";
import { EventFamilies } from "../src/metrics/event-families.js";
import { SeriesFolds } from "../src/metrics/series-cap.js";
import { check, printTable, printTargets, type Row, writeResults } from "./lib/report.js";
import { median } from "./lib/stats.js";

const TYPES = Number(process.env.BENCH_TYPES ?? 100_000);
const CAPS = (process.env.BENCH_CAPS ?? "1000,10000,50000,0").split(",").map(Number);
const NOW = Date.UTC(2026, 10, 1);
const RENDERS = 15;

function filled(cap: number) {
  const folds = new SeriesFolds(createLogger("silent"));
  const other = { eventType: "other", severityLevel: "other", impactLevel: "other" };
  const limit: LabelSetCap | undefined =
    cap > 0
      ? {
          max: cap,
          other,
          onFull: () => folds.reachedCap("bench", "dynatrace_events", cap),
          onFold: (d) => folds.fold("bench", "dynatrace_events", cap, keyOf(d)),
        }
      : undefined;
  const store = new EventStore(() => NOW, limit);
  const t0 = performance.now();
  for (let i = 0; i < TYPES; i++) {
    store.upsert(
      {
        key: `${i + 1}_${NOW - 60_000}`,
        eventType: `GENERATED_CUSTOM_TYPE_${i}`,
        severityLevel: "CUSTOM_ALERT",
        impactLevel: "INFRASTRUCTURE",
        open: i % 2 === 0,
        startTime: NOW - 60_000,
        endTime: i % 2 === 0 ? -1 : NOW - 1000,
      },
      1,
    );
  }
  const ingestMs = performance.now() - t0;
  return { store, folds, ingestMs };
}

const rows: Row[] = [];
const runs: Record<string, number>[] = [];
const targets = [];
for (const cap of CAPS) {
  const { store, folds, ingestMs } = filled(cap);
  const families = new EventFamilies(() => [{ environment: "bench", store, retainZeroMs: 3_600_000 }]);
  const times: number[] = [];
  let bytes = 0;
  let lines = 0;
  for (let r = 0; r < RENDERS; r++) {
    // Flip one event so the store's version changes and the render cannot be served from cache.
    store.upsert(
      {
        key: `1_${NOW - 60_000}`,
        eventType: "GENERATED_CUSTOM_TYPE_0",
        severityLevel: "CUSTOM_ALERT",
        impactLevel: "INFRASTRUCTURE",
        open: r % 2 === 1,
        startTime: NOW - 60_000,
        endTime: r % 2 === 1 ? -1 : NOW - 1000,
      },
      1,
    );
    const t0 = performance.now();
    const body = families.render(false);
    times.push(performance.now() - t0);
    bytes = body.length + folds.render(false).length;
    lines = body
      .toString("latin1")
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#")).length;
  }
  const label = cap > 0 ? String(cap) : "none";
  rows.push({
    "cap (label sets)": label,
    "distinct types": TYPES,
    "label sets held": store.labelSets.live,
    "series (events + observed)": lines,
    "scrape KiB": bytes / 1024,
    "render ms (median)": median(times),
    "ingest ms (100k upserts)": ingestMs,
  });
  runs.push({
    cap,
    types: TYPES,
    labelSets: store.labelSets.live,
    series: lines,
    bytes,
    renderMsMedian: median(times),
    ingestMs,
  });
  if (cap === 10_000) {
    targets.push(
      check("scrape bytes of the event families at the default cap (10,000)", bytes, "<=", 4 * 2 ** 20),
    );
    targets.push(check("full re-render ms at the default cap (10,000)", median(times), "<=", 100));
  }
}
printTable(`event families with ${TYPES} distinct event types, by series cap`, rows);
printTargets(targets);
console.log(`results: ${writeResults("series-cap", { runs, targets })}`);
