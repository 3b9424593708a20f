import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedDynatrace } from "./simulator/server.js";

/** Relay token of the demo (printed with the curl example). */
export const DEMO_RELAY_TOKEN = "demo-relay-token";

/** A running simulated environment for `--demo`, and the settings that point the exporter at it. */
export interface Demo {
  simulator: SimulatedDynatrace;
  env: Record<string, string | undefined>;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/**
 * Starts the simulated environment with a day of history and a live stream (new events and
 * closures every second), and returns the environment variables for an exporter draining it
 * every 5 s, with the relay on (token {@link DEMO_RELAY_TOKEN}, outbox in a temporary directory).
 * Variables the user set win over the demo's.
 */
export async function startDemo(userEnv: Record<string, string | undefined>): Promise<Demo> {
  const simulator = new SimulatedDynatrace({
    environmentId: "demo",
    eventsPerMinute: 30,
    seed: Date.now() % 2 ** 31,
  });
  await simulator.listen(Number(userEnv.DEMO_SIMULATOR_PORT ?? 0));
  simulator.generator.history(3000, DAY_MS, Date.now());
  const ticker = setInterval(() => simulator.generator.advanceTo(Date.now()), 1000);
  return {
    simulator,
    env: {
      DRAIN_INTERVAL: "5s",
      RELAY_TOKENS: DEMO_RELAY_TOKEN,
      RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), "dynatrace-events-exporter-demo-")),
      ...userEnv,
      DYNATRACE_URL: simulator.managedUrl,
      DYNATRACE_API_TOKEN: simulator.token,
      DYNATRACE_API_TOKEN_FILE: undefined,
    },
    async stop() {
      clearInterval(ticker);
      await simulator.close();
    },
  };
}
