// Runs the benchmark suite, each benchmark in a fresh process (so heaps and JIT state do not
// leak from one into the next), then prints every target with its verdict and writes
// bench/results/summary.json. `npm run bench [names...]` runs a subset.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { printTargets, RESULTS_DIR, type TargetResult, writeResults } from "./lib/report.js";

const SUITE = [
  "drain-throughput",
  "api-cost",
  "memory",
  "scrape-latency",
  "relay-intake",
  "relay-delivery",
  "series-cap",
  "sliced-read",
  "basic-auth-guessing",
  "many-environments",
  "soak",
];
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !SUITE.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")} (known: ${SUITE.join(", ")})`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : SUITE;
const started = performance.now();
const durations: Record<string, number> = {};
const failed: string[] = [];
for (const name of names) {
  console.log(`\n=== ${name}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(here, `${name}.ts`)], {
    stdio: "inherit",
  });
  const [code] = (await once(child, "exit")) as [number | null];
  durations[name] = Math.round((performance.now() - t0) / 100) / 10;
  if (code !== 0) failed.push(name);
}
const targets: (TargetResult & { benchmark: string })[] = [];
for (const name of names) {
  if (failed.includes(name)) continue;
  try {
    const r = JSON.parse(readFileSync(join(RESULTS_DIR, `${name}.json`), "utf8")) as {
      targets?: TargetResult[];
    };
    for (const t of r.targets ?? []) targets.push({ benchmark: name, ...t });
  } catch {
    // soak writes no targets file of this shape
  }
}
const totalSeconds = Math.round((performance.now() - started) / 1000);
console.log(`\n=== summary (${totalSeconds} s in all)`);
printTargets(targets);
if (names.length === SUITE.length) writeResults("summary", { totalSeconds, durations, failed, targets });
if (failed.length > 0) {
  console.error(`benchmarks that failed to run: ${failed.join(", ")}`);
  process.exit(1);
}
