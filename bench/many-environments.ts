// Benchmark: many environments in one process. Each case (environments × events) runs in a fresh
// child process of this script against one simulated tenant in a third process that every
// environment reads (the same events, zero page latency): time until every environment has drained
// once, RSS and heap after a full GC, fixed bytes per environment, steady-state CPU, and scrapes
// of /metrics (size, p99, gzip), with every environment's gauges checked against the simulator.
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { check, printTable, printTargets, type Row, type TargetResult, writeResults } from "./lib/report.js";
import type { CaseResult } from "./lib/many-envs-case.js";

/** `environments x events` per case; BENCH_MANY overrides (e.g. `1000x2000,5000x20`). */
const CASES = (process.env.BENCH_MANY ?? "1x2000,100x2000,1000x20,1000x2000")
  .split(",")
  .map((c) => c.split("x").map(Number) as [number, number]);

async function runCase(environments: number, events: number): Promise<CaseResult> {
  const child = fork(fileURLToPath(new URL("./lib/many-envs-case.ts", import.meta.url)), [], {
    env: { ...process.env, BENCH_OPTIONS: JSON.stringify({ environments, events }) },
    execArgv: ["--expose-gc", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [message] = (await Promise.race([
    once(child, "message"),
    once(child, "exit").then(([code]) => {
      throw new Error(`case ${environments}x${events} exited with ${String(code)}`);
    }),
  ])) as [CaseResult];
  await once(child, "exit");
  return message;
}

const results: CaseResult[] = [];
for (const [environments, events] of CASES) {
  console.log(`case ${environments} environments × ${events} events`);
  results.push(await runCase(environments, events));
}
const rows: Row[] = results.map((r) => ({
  "envs × events": `${r.environments} × ${r.events}`,
  "ready s": r.readySeconds,
  "RSS MiB": r.rssMiB,
  "heap MiB": r.heapMiB,
  "arrays MiB": r.arrayBuffersMiB,
  "fixed B/env": r.fixedBytesPerEnvironment,
  "steady CPU %core": r.steadyCpuShare * 100,
  "scrape KiB": r.scrapeKiB,
  "gzip KiB": r.gzipKiB,
  "scrape p99 ms": r.scrapeP99Ms,
  "gzip p99 ms": r.gzipP99Ms,
  "loop p99 ms": r.loopDelayP99Ms,
  exact: r.exact ? "yes" : "NO",
}));
printTable("many environments in one process (one simulated tenant, zero latency)", rows);
const targets: TargetResult[] = [];
for (const r of results) {
  const name = `${r.environments}×${r.events}`;
  targets.push(check(`gauges exact at ${name}`, r.exact ? 1 : 0, ">=", 1));
  if (r.environments >= 1000 && r.events >= 2000) {
    targets.push(check(`RSS MiB at ${name}`, r.rssMiB, "<=", 512));
    targets.push(check(`ready s at ${name}`, r.readySeconds, "<=", 30));
  }
  if (r.environments >= 100) {
    targets.push(check(`fixed bytes per environment at ${name}`, r.fixedBytesPerEnvironment, "<=", 100_000));
  }
}
printTargets(targets);
console.log(`results: ${writeResults("many-environments", { cases: results, targets })}`);
