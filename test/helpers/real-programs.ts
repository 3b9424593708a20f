import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import { requireProgram, skipWithout } from "./programs.js";
import { until } from "./wait.js";
import { scratchDir } from "./scratch.js";

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Why the e2e tests cannot run, or false (see {@link skipWithout}). */
export function realProgramsSkip(): string | false {
  return skipWithout("prometheus", "alertmanager");
}

/** A real program started by a test; `stop()` kills it and waits. */
export interface RunningProgram {
  url: string;
  stop(): Promise<void>;
}

async function startProgram(
  binary: string,
  args: string[],
  port: number,
  readyPath: string,
): Promise<RunningProgram> {
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  let ready = false;
  const poll = setInterval(() => {
    request(`${url}${readyPath}`)
      .then(async (r) => {
        await r.body.dump();
        if (r.statusCode === 200) ready = true;
      })
      .catch(() => undefined);
  }, 100);
  try {
    await until(() => ready || child.exitCode !== null, 20_000, `${binary} ready`);
  } finally {
    clearInterval(poll);
  }
  if (!ready) throw new Error(`${binary} exited: ${log}`);
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Starts Prometheus with its own config and data directory, scraping and evaluating every second. */
export async function startPrometheus(opts: {
  targets: string[];
  rules?: string;
  alertmanager?: string;
  /** More keys of the scrape job (YAML lines without indentation), e.g. `scheme: https`. */
  scrapeJob?: string[];
}): Promise<RunningProgram> {
  const dir = scratchDir("dtee-prom-");
  const port = await freePort();
  const config = [
    "global: { scrape_interval: 1s, evaluation_interval: 1s }",
    "scrape_configs:",
    "  - job_name: dynatrace-events-exporter",
    `    static_configs: [{ targets: [${opts.targets.map((t) => JSON.stringify(t)).join(", ")}] }]`,
    ...(opts.scrapeJob ?? []).map((line) => `    ${line}`),
    ...(opts.rules ? ["rule_files: [rules.yml]"] : []),
    ...(opts.alertmanager
      ? [
          "alerting:",
          "  alertmanagers:",
          `    - static_configs: [{ targets: [${JSON.stringify(opts.alertmanager)}] }]`,
        ]
      : []),
  ].join("\n");
  writeFileSync(join(dir, "prometheus.yml"), config);
  if (opts.rules) writeFileSync(join(dir, "rules.yml"), opts.rules);
  return startProgram(
    requireProgram("prometheus"),
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    port,
    "/-/ready",
  );
}

/** Starts Alertmanager (no clustering) with the given configuration YAML. */
export async function startAlertmanager(config: string): Promise<RunningProgram> {
  const dir = scratchDir("dtee-am-");
  const port = await freePort();
  writeFileSync(join(dir, "alertmanager.yml"), config);
  return startProgram(
    requireProgram("alertmanager"),
    [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    port,
    "/-/ready",
  );
}

/** One sample of an instant query. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** Runs an instant query against Prometheus' HTTP API; throws on a query error. */
export async function promQuery(url: string, query: string): Promise<PromSample[]> {
  const res = await request(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.body.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== "success") throw new Error(`query ${query} failed: ${body.error}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Waits until Prometheus has scraped the exporter `n` more times than `after`. */
export async function scrapes(prom: RunningProgram, n: number, after = 0): Promise<number> {
  let count = 0;
  await until(
    async () => {
      const r = await promQuery(prom.url, 'count_over_time(up{job="dynatrace-events-exporter"}[10m])');
      count = r[0]?.value ?? 0;
      return count >= after + n;
    },
    30_000,
    `${n} scrapes`,
  );
  return count;
}
