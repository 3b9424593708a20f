import request from "supertest";
import { type App, type AppOptions, createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import type { EnvironmentConfig } from "../../src/config/types.js";
import { createLogger } from "../../src/log/logger.js";
import { SimulatedDynatrace, type SimulatorOptions } from "../../src/simulator/server.js";
import { ManualClock } from "./clock.js";
import { LogCapture } from "./log-capture.js";
import { scratchDir } from "./scratch.js";

/** A simulator and an exporter wired together on a shared manual clock, with captured logs. */
export interface Harness {
  sim: SimulatedDynatrace;
  app: App;
  clock: ManualClock;
  logs: LogCapture;
  /** Every backoff wait the client asked for, in ms (the waits themselves are skipped). */
  sleeps: number[];
  /** Drains every environment once. */
  drain(): Promise<boolean>;
  /** GET /metrics through supertest; returns the body. */
  scrape(): Promise<string>;
  /** Feed requests the simulator received so far. */
  feedRequests(): number;
  /** Relay token accepted by the exporter (when the relay is on). */
  relayToken: string;
  /** The relay's outbox directory (when the relay is on). */
  dataDir: string;
  /** Listens on 127.0.0.1 and starts drain loops and relay senders; returns the base URL. */
  start(): Promise<string>;
  close(): Promise<void>;
}

/** Options for {@link startHarness}. */
export interface HarnessOptions {
  sim?: SimulatorOptions;
  env?: Record<string, string>;
  /** Serve the simulator under the Managed form (`/e/<id>`). */
  managed?: boolean;
  maxAttempts?: number;
  /** Turn on the relay with a token and a fresh outbox directory. */
  relay?: boolean;
  /** Follow the wall clock (timers must fire: relay retries). */
  realClock?: boolean;
  /** HTTP server limits over the defaults (small ones for timeout tests). */
  serverLimits?: AppOptions["serverLimits"];
  /** Settings of the environment only the config file has (dimensions, staticLabels, ...). */
  settings?: Partial<EnvironmentConfig>;
}

/** Token the harness configures for the relay. */
export const RELAY_TOKEN = "relay-test-token-0123456789";

/** Starts a simulator on a free port and builds (not starts) an exporter draining it. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock(Date.parse("2026-11-01T12:00:00Z"), options.realClock ?? false);
  const dataDir = options.env?.RELAY_DATA_DIR ?? scratchDir("dtee-outbox-");
  const sim = new SimulatedDynatrace({ clock: clock.now, ...options.sim });
  await sim.listen();
  const logs = new LogCapture();
  const sleeps: number[] = [];
  const config = loadConfigFromEnv({
    DYNATRACE_URL: options.managed ? sim.managedUrl : sim.url,
    DYNATRACE_API_TOKEN: sim.token,
    DYNATRACE_ENVIRONMENT: "test",
    LOG_LEVEL: "trace",
    HTTP_TIMEOUT: "0.3",
    HOST: "127.0.0.1",
    PORT: "0",
    // The relay tests were written against the v1 push; the v2 ones set RELAY_API_VERSION=v2.
    RELAY_API_VERSION: "v1",
    ...(options.relay ? { RELAY_TOKENS: RELAY_TOKEN, RELAY_DATA_DIR: dataDir } : {}),
    ...options.env,
  });
  if (options.settings) Object.assign(config.environments[0] as EnvironmentConfig, options.settings);
  const app = createApp(config, {
    clock: clock.now,
    logger: createLogger("trace", logs),
    backoff: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
    relayBackoff: { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 20, maxDelayMs: 200 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    serverLimits: options.serverLimits,
  });
  return {
    sim,
    app,
    clock,
    logs,
    sleeps,
    drain: () => app.drainAll(),
    scrape: async () => (await request(app.http).get("/metrics").expect(200)).text,
    feedRequests: () => sim.requests.filter((r) => r.method === "GET").length,
    relayToken: RELAY_TOKEN,
    dataDir,
    async start() {
      const { port } = await app.start();
      return `http://127.0.0.1:${port}`;
    },
    async close() {
      await app.stop();
      await sim.close();
    },
  };
}
