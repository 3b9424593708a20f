import type { DynatraceClient } from "../../dynatrace/client.js";
import type { Logger } from "../../log/logger.js";
import type { LifecycleMetrics } from "../../metrics/lifecycle-metrics.js";
import type { LifecycleStore } from "./store.js";

/** What every lifecycle part of one environment works with: its store, client and reporting. */
export interface EnvironmentLifecycle {
  environment: string;
  store: LifecycleStore;
  client: DynatraceClient;
  metrics: LifecycleMetrics;
  logger: Logger;
  clock: () => number;
}

/** What the close and refresh steps of one environment's worker share. */
export interface WorkerContext extends EnvironmentLifecycle {
  signal: AbortSignal;
  /** RELAY_MAX_AGE: how long a resolve keeps trying to close its problem. */
  maxAgeMs: number;
  /** Records that the Problems API answered (logs the recovery once). */
  apiAnswered(): void;
  /** Records that the Problems API refused or failed (logs once per outage). */
  apiRefused(reason: string, message: string): void;
}
