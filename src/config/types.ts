import type { DynatraceAddress } from "./url.js";

/** Log levels accepted by LOG_LEVEL, as pino names them. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One Dynatrace environment the exporter drains. */
export interface EnvironmentConfig {
  /** Value of the `environment` label. */
  name: string;
  address: DynatraceAddress;
  /** The API token. Never log or print this; use {@link maskConfig} to show a config. */
  token: string;
  /** Where the token came from (variable name, and file path for *_FILE), safe to print. */
  tokenSource: string;
  apiVersion: "v1";
  drainIntervalMs: number;
  windowMs: number;
  overlapMs: number;
  resyncIntervalMs: number;
  /** Only these event types are counted; empty means all. */
  eventTypes: string[];
  /** These event types are never counted. */
  excludeEventTypes: string[];
  /** Passed to the API as `entityId` when set. */
  entityId: string | undefined;
}

/** The whole effective configuration of one exporter process. */
export interface AppConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  httpTimeoutMs: number;
  environments: EnvironmentConfig[];
}
