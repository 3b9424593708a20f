// Benchmark: /healthz latency while 32 clients guess basic-auth passwords of a known user (cost-10
// bcrypt hash, the htpasswd default), against /healthz of the same exporter with no guessing, in
// the same run. Guessers and the prober run in their own processes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { createApp } from "../src/app.js";
import { loadConfigFromEnv } from "../src/config/load-env.js";
import { createLogger } from "../src/log/logger.js";
import { startHelper } from "./lib/child.js";
import type { GuessOptions } from "./lib/guess-process.js";
import { check, printTable, printTargets, writeResults } from "./lib/report.js";
import type { ScraperOptions } from "./lib/scraper-process.js";
import { percentile } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const GUESSERS = 32;
const dir = mkdtempSync(join(tmpdir(), "dtee-bench-guess-"));
const webConfig = join(dir, "web.yml");
writeFileSync(webConfig, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync("the-password", 10)}\n`);
const config = loadConfigFromEnv({
  DYNATRACE_URL: "http://127.0.0.1:9/e/none",
  DYNATRACE_API_TOKEN: "unused-token",
  DYNATRACE_ENVIRONMENT: "bench",
  HOST: "127.0.0.1",
  PORT: "0",
  WEB_CONFIG_FILE: webConfig,
});
// The tenant URL is a closed port: the drains fail quietly in the background; the HTTP server is measured.
const app = createApp(config, { logger: createLogger("silent") });
const { port } = await app.start();
const base = `http://127.0.0.1:${port}`;

const prober = await startHelper<unknown>(new URL("./lib/scraper-process.ts", import.meta.url), {
  url: `${base}/healthz`,
  intervalMs: 20,
} satisfies ScraperOptions);
const guessers = await startHelper<unknown>(new URL("./lib/guess-process.ts", import.meta.url), {
  url: `${base}/metrics`,
  user: "prometheus",
  connections: GUESSERS,
} satisfies GuessOptions);

async function probeFor(seconds: number): Promise<number[]> {
  await prober.call({ type: "start" });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return (await prober.call<{ latencies: number[] }>({ type: "stop" })).latencies;
}

const quiet = await probeFor(SECONDS / 2);
await guessers.call({ type: "start" });
const attacked = await probeFor(SECONDS);
const { byStatus } = await guessers.call<{ byStatus: Record<string, number> }>({ type: "stop" });
await Promise.all([prober.stop(), guessers.stop()]);
await app.stop();
rmSync(dir, { recursive: true, force: true });

const row = (mode: string, l: number[]) => ({
  mode,
  probes: l.length,
  "p50 ms": percentile(l, 50),
  "p99 ms": percentile(l, 99),
  "max ms": Math.max(...l),
  "p99 / quiet p99": percentile(l, 99) / percentile(quiet, 99),
});
const rows = [row("no guessing", quiet), row(`${GUESSERS} guessing`, attacked)];
printTable("/healthz while guessing basic-auth passwords", rows);
console.log(
  `guesses answered: ${Object.entries(byStatus)
    .map(([s, n]) => `${s}:${n}`)
    .join(" ")}`,
);
const targets = [check("/healthz p99 under 32 guessing clients (ms)", percentile(attacked, 99), "<=", 100)];
printTargets(targets);
writeResults("basic-auth-guessing", { seconds: SECONDS, rows, byStatus, targets });
