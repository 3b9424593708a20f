import { request } from "undici";
import { type App, createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import type { SimulatedDynatrace } from "../../src/simulator/server.js";
import type { ManualClock } from "./clock.js";
import { RELAY_TOKEN } from "./harness.js";
import { LogCapture } from "./log-capture.js";
import { scratchDir } from "./scratch.js";

/** One exporter (relay on) started against a simulator that others may share. */
export interface Exporter {
  app: App;
  base: string;
  logs: LogCapture;
  dataDir: string;
  /** POSTs JSON to a relay path with the relay token; returns the status. */
  post(path: string, body: unknown): Promise<number>;
  /** The exporter's /metrics text. */
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts an exporter with the relay on, against `sim`, on the shared `clock`, with its own outbox
 * directory unless `dataDir` is given (a restart reuses one). Relay retries are fast.
 */
export async function startExporter(
  sim: SimulatedDynatrace,
  clock: ManualClock,
  env: Record<string, string> = {},
  dataDir = scratchDir("dtee-outbox-"),
): Promise<Exporter> {
  const logs = new LogCapture();
  const config = loadConfigFromEnv({
    DYNATRACE_URL: sim.url,
    DYNATRACE_API_TOKEN: sim.token,
    DYNATRACE_ENVIRONMENT: "test",
    LOG_LEVEL: "debug",
    HTTP_TIMEOUT: "2s",
    HOST: "127.0.0.1",
    PORT: "0",
    // The relay tests were written against the v1 push; the v2 ones set RELAY_API_VERSION=v2.
    RELAY_API_VERSION: "v1",
    RELAY_TOKENS: RELAY_TOKEN,
    RELAY_DATA_DIR: dataDir,
    ...env,
  });
  const app = createApp(config, {
    clock: clock.now,
    logger: createLogger("debug", logs),
    relayBackoff: { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 20, maxDelayMs: 200 },
  });
  const { port } = await app.start();
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    base,
    logs,
    dataDir,
    async post(path, body) {
      const res = await request(`${base}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${RELAY_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      await res.body.dump();
      return res.statusCode;
    },
    async scrape() {
      const res = await request(`${base}/metrics`);
      return res.body.text();
    },
    stop: () => app.stop(),
  };
}

/** An Alertmanager webhook (payload version 4) with one alert. */
export function notification(
  status: "firing" | "resolved",
  alert: { name: string; instance: string; severity: string; fingerprint: string },
): Record<string, unknown> {
  return {
    version: "4",
    status,
    receiver: "dynatrace",
    externalURL: "http://alertmanager-0:9093",
    alerts: [
      {
        status,
        labels: { alertname: alert.name, instance: alert.instance, severity: alert.severity },
        annotations: { summary: `${alert.name} on ${alert.instance}` },
        startsAt: "2026-11-01T11:55:00Z",
        endsAt: status === "resolved" ? "2026-11-01T12:30:00Z" : "0001-01-01T00:00:00Z",
        generatorURL: `http://prometheus:9090/graph?g0.expr=${alert.name}`,
        fingerprint: alert.fingerprint,
      },
    ],
  };
}
