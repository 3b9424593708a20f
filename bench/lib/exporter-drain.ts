import { Registry } from "prom-client";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import { ReadGate } from "../../src/dynatrace/read-gate.js";
import { FeedDrainer } from "../../src/feed/drainer.js";
import { EventStore } from "../../src/feed/event-store.js";
import { createLogger } from "../../src/log/logger.js";
import { FeedMetrics } from "../../src/metrics/feed-metrics.js";

/** The exporter's own feed pipeline for one environment, built as the composition root does. */
export interface ExporterFeed {
  drainer: FeedDrainer;
  store: EventStore;
  registry: Registry;
  close(): Promise<void>;
}

/**
 * Builds client, store, metrics and drainer for `url` with the exporter's defaults (over them,
 * `settings` as environment variables) and a fixed clock.
 */
export function exporterFeed(
  url: string,
  token: string,
  now: number,
  window = "24h",
  settings: Record<string, string> = {},
): ExporterFeed {
  const config = loadConfigFromEnv({
    DYNATRACE_URL: url,
    DYNATRACE_API_TOKEN: token,
    EVENTS_WINDOW: window,
    ...settings,
  });
  const env = config.environments[0];
  if (!env) throw new Error("no environment");
  const clock = () => now;
  const store = new EventStore(clock);
  const registry = new Registry();
  const metrics = new FeedMetrics(registry, () => [
    { environment: env.name, store, retainZeroMs: env.windowMs },
  ]);
  const client = new DynatraceClient({
    address: env.address,
    token: env.token,
    timeoutMs: 60_000,
    userAgent: "bench",
    onResponse: (endpoint, code) => metrics.apiRequests.inc({ environment: env.name, endpoint, code }),
    readGate: new ReadGate(env.readConcurrency),
    connections: Math.max(4, env.readConcurrency),
  });
  const logger = createLogger("error");
  const drainer = new FeedDrainer({ env, client, store, metrics, logger, clock, startedAt: now });
  return { drainer, store, registry, close: () => client.close() };
}
