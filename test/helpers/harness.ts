import request from "supertest";
import { type App, createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import { SimulatedDynatrace, type SimulatorOptions } from "../../src/simulator/server.js";
import { ManualClock } from "./clock.js";
import { LogCapture } from "./log-capture.js";

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
  close(): Promise<void>;
}

/** Options for {@link startHarness}. */
export interface HarnessOptions {
  sim?: SimulatorOptions;
  env?: Record<string, string>;
  /** Serve the simulator under the Managed form (`/e/<id>`). */
  managed?: boolean;
  maxAttempts?: number;
}

/** Starts a simulator on a free port and builds (not starts) an exporter draining it. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
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
    ...options.env,
  });
  const app = createApp(config, {
    clock: clock.now,
    logger: createLogger("trace", logs),
    backoff: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return {
    sim,
    app,
    clock,
    logs,
    sleeps,
    drain: () => app.drainAll(),
    scrape: async () => (await request(app.http).get("/metrics").expect(200)).text,
    feedRequests: () => sim.requests.length,
    async close() {
      await app.stop();
      await sim.close();
    },
  };
}
