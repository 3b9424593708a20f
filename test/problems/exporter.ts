import { type App, createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import type { EnvironmentConfig } from "../../src/config/types.js";
import { createLogger } from "../../src/log/logger.js";
import { ManualClock } from "../helpers/clock.js";
import { LogCapture } from "../helpers/log-capture.js";

/** An exporter (not listening) draining `url` as environment `t`, v2, on a manual clock. */
export function exporterFor(
  url: string,
  clock: ManualClock,
  settings: Partial<EnvironmentConfig> = {},
  env: Record<string, string> = {},
): { app: App; logs: LogCapture; scrape: () => Promise<string> } {
  const config = loadConfigFromEnv({
    DYNATRACE_URL: url,
    DYNATRACE_API_TOKEN: "dt0c01.test",
    DYNATRACE_ENVIRONMENT: "t",
    DYNATRACE_API_VERSION: "v2",
    EVENTS_WINDOW: "2h",
    HTTP_TIMEOUT: "10s",
    ...env,
  });
  Object.assign(config.environments[0] as EnvironmentConfig, settings);
  const logs = new LogCapture();
  const app = createApp(config, {
    clock: clock.now,
    logger: createLogger("trace", logs),
    backoff: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
  return { app, logs, scrape: async () => (await app.metricsText(false)).body.toString("utf8") };
}

/** A manual clock at the tests' usual start. */
export function testClock(): ManualClock {
  return new ManualClock(Date.parse("2026-11-01T12:00:00Z"));
}
