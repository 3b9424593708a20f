import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedDynatrace } from "./simulator/server.js";

/** Relay token of the demo (printed with the curl example). */
export const DEMO_RELAY_TOKEN = "demo-relay-token";

/** A running simulated environment for `--demo`, and the settings that point the exporter at it. */
export interface Demo {
  simulator: SimulatedDynatrace;
  env: Record<string, string | undefined>;
  /** A relay token the exporter accepts: the user's first RELAY_TOKENS entry, else the demo's. */
  relayToken: string;
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
  // A temporary outbox is the demo's own, so it goes when the demo stops; a RELAY_DATA_DIR the
  // user chose stays.
  const tempDir = userEnv.RELAY_DATA_DIR
    ? undefined
    : mkdtempSync(join(tmpdir(), "dynatrace-events-exporter-demo-"));
  const userTokens = (userEnv.RELAY_TOKENS ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  return {
    simulator,
    relayToken: userTokens[0] ?? DEMO_RELAY_TOKEN,
    env: {
      DRAIN_INTERVAL: "5s",
      // The simulator serves problems; the demo shows them though it reads the v1 feed.
      PROBLEMS: "on",
      RELAY_TOKENS: DEMO_RELAY_TOKEN,
      RELAY_DATA_DIR: tempDir,
      // The problem lifecycle (v2 ingest, the default): a CRITICAL alarm opens a problem, its CLEAR
      // closes it.
      RELAY_LIFECYCLE: "on",
      ...userEnv,
      DYNATRACE_URL: simulator.managedUrl,
      DYNATRACE_API_TOKEN: simulator.token,
      DYNATRACE_API_TOKEN_FILE: undefined,
    },
    async stop() {
      clearInterval(ticker);
      await simulator.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * A Grafana Alerting webhook body (payload version 1) for the demo's printed curl line: one
 * critical alert, firing or resolved, started when the demo started.
 */
export function demoGrafanaBody(status: "firing" | "resolved", startsAt: string): string {
  const alert = {
    status,
    labels: { alertname: "HighMemory", instance: "web01:9100", severity: "critical" },
    annotations: { summary: "memory above 90%" },
    startsAt,
    fingerprint: "c6eadffa33fcdf37",
    values: { B: 94.2 },
  };
  return JSON.stringify({ version: "1", status, orgId: 1, alerts: [alert] });
}
