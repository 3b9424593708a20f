// A load generator in its own process: `connections` clients POST netdata-style alarms for
// `seconds`, back to back (closed loop: the saturation rate) or paced to `rate` alarms/s in all
// (open loop: latency at a given load, measured from the planned send time so that a slow answer
// also counts against the sends it delayed). Counts answers by status and records latencies.
import { Pool } from "undici";
import { helperOptions, serveRequests } from "./child.js";

/** Where to send and how hard. */
export interface LoadOptions {
  connections: number;
}

/** What one run of load produced. */
export interface LoadResult {
  seconds: number;
  byStatus: Record<string, number>;
  /** Latencies (ms) of 2xx answers. */
  latencies: number[];
}

const o = helperOptions<LoadOptions>();
let runNo = 0;

function netdataAlarm(n: number): string {
  const host = `host-${runNo}-${n}`;
  const description = `Netdata Notification for: ${host} system.cpu.10min_cpu_usage is WARNING`;
  return JSON.stringify({
    title: `Netdata Alarm from ${host}`,
    source: "Netdata Alarm",
    description,
    eventType: "CUSTOM_INFO",
    attachRules: { tagRule: [{ meTypes: ["HOST"], tags: ["netdata"] }] },
    customProperties: { description },
  });
}

/** One run's parameters, sent by the benchmark. */
export interface LoadRun {
  url: string;
  path: string;
  token: string;
  seconds: number;
  /** Alarms per second in all; absent for back-to-back sending. */
  rate?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run({ url, path, token, seconds, rate }: LoadRun): Promise<LoadResult> {
  runNo++;
  const pool = new Pool(url, { connections: o.connections, pipelining: 1 });
  const byStatus: Record<string, number> = {};
  const latencies: number[] = [];
  let n = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const gap = rate === undefined ? 0 : (1000 * o.connections) / rate;
  const worker = async (index: number) => {
    let planned = t0 + (gap * index) / o.connections;
    while (performance.now() < deadline) {
      if (rate !== undefined) {
        const wait = planned - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const started = rate === undefined ? performance.now() : planned;
      planned += gap;
      const res = await pool.request({
        method: "POST",
        path,
        headers: { authorization: `Api-token ${token}`, "content-type": "application/json" },
        body: netdataAlarm(n++),
      });
      await res.body.dump();
      const status = String(res.statusCode);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      if (res.statusCode < 300) latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: o.connections }, (_, i) => worker(i)));
  const elapsed = (performance.now() - t0) / 1000;
  await pool.close();
  return { seconds: elapsed, byStatus, latencies };
}

serveRequests((r) => run(r as unknown as LoadRun));
process.send?.({ ready: true });
