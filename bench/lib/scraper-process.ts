// Scrapes a URL in a loop from its own process, as Prometheus would, and reports latencies.
import { Pool } from "undici";
import { helperOptions, serveRequests } from "./child.js";

/** Where and how often to scrape. */
export interface ScraperOptions {
  url: string;
  intervalMs: number;
  /** Request headers, e.g. Prometheus' Accept and Accept-Encoding. */
  headers?: Record<string, string>;
}

const o = helperOptions<ScraperOptions>();
const target = new URL(o.url);
const pool = new Pool(target.origin, { connections: 1 });
let latencies: number[] = [];
let bytes = 0;
let running = false;
let loop: Promise<void> = Promise.resolve();

async function scrapeLoop(): Promise<void> {
  while (running) {
    const t0 = performance.now();
    const res = await pool.request({ method: "GET", path: target.pathname, headers: o.headers });
    // Time to the last byte; decoding is the scraper's business, not the exporter's.
    let size = 0;
    for await (const chunk of res.body) size += (chunk as Buffer).length;
    latencies.push(performance.now() - t0);
    bytes = size;
    if (res.statusCode !== 200) throw new Error(`scrape answered ${res.statusCode}`);
    const rest = o.intervalMs - (performance.now() - t0);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  }
}

serveRequests(async (r) => {
  if (r.type === "start") {
    latencies = [];
    running = true;
    loop = scrapeLoop();
    return null;
  }
  if (r.type === "stop") {
    running = false;
    await loop;
    return { latencies, bytes };
  }
  return null;
});
process.send?.({ ready: true });
