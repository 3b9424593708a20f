import type { LifecycleSettings } from "./lifecycle.js";
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
  /** Token for pushing relayed events (DYNATRACE_INGEST_TOKEN, else the feed token). */
  ingestToken: string;
  /** File the feed token is read from; re-read when it changes (rotation without restart). */
  tokenFile?: string | undefined;
  /** File the ingest token is read from (else the feed token's file when the feed token is used). */
  ingestTokenFile?: string | undefined;
  /** Proxy URL this environment is reached through (HTTPS_PROXY/HTTP_PROXY minus NO_PROXY). Secret. */
  proxy?: string | undefined;
  /** PEM file of extra CAs for the tenant's TLS (DYNATRACE_CA_FILE or `caFile`). */
  caFile?: string | undefined;
  /** The certificates read from {@link caFile}. */
  ca?: string | undefined;
  /** Which events feed is read: v1 `/api/v1/events` or v2 `/api/v2/events`. */
  apiVersion: "v1" | "v2";
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
  /** Most pages one read of the feed may take (FEED_MAX_PAGES, file key `maxPages`). */
  maxPages?: number;
  /** Opt-in labels of v2 events and problems: `management_zone`, `entity_type`, `tag:<key>` (config file). */
  dimensions?: string[];
  /** Labels with fixed values added to the event and problem families (config file `staticLabels`). */
  staticLabels?: Record<string, string>;
  /** Problems collector: `auto` (default: on for v2 environments), `on` or `off` (PROBLEMS, file key `problems`). */
  problems?: "auto" | "on" | "off";
  /** Most label sets per metric family (series cap; MAX_SERIES, file key `maxSeries`; default 10,000). */
  maxSeries?: number;
  /** Feed requests in flight at once (FEED_READ_CONCURRENCY, file key `readConcurrency`). */
  readConcurrency?: number;
  /** Relay mapping settings of this environment, over the RELAY_* defaults (config file only). */
  relay?: {
    eventType?: (typeof V1_PUSH_EVENT_TYPES)[number];
    source?: string;
    tag?: string;
    /** Deliveries in flight at once for this environment (over RELAY_CONCURRENCY). */
    concurrency?: number;
    /** Inputs with the problem lifecycle (over RELAY_LIFECYCLE), as written in the file. */
    lifecycle?: string;
    /** Severity to v2 event type (over RELAY_SEVERITY_MAP), as written in the file. */
    severityMap?: string | Record<string, string>;
  };
}

/** Event types the relay may push with the v1 API. */
export const V1_PUSH_EVENT_TYPES = [
  "AVAILABILITY_EVENT",
  "CUSTOM_ALERT",
  "CUSTOM_ANNOTATION",
  "CUSTOM_CONFIGURATION",
  "CUSTOM_DEPLOYMENT",
  "CUSTOM_INFO",
  "ERROR_EVENT",
  "MARKED_FOR_TERMINATION",
  "PERFORMANCE_EVENT",
  "RESOURCE_CONTENTION",
] as const;

/** The alarm relay: inbound auth, mapping defaults, the outbox and delivery limits. */
export interface RelayConfig {
  /** Inbound tokens; never log or print these. */
  tokens: string[];
  allowAnonymous: boolean;
  dataDir: string;
  eventType: (typeof V1_PUSH_EVENT_TYPES)[number];
  source: string;
  tag: string | undefined;
  /** Upstream API the relay pushes with: v1 `POST /api/v1/events` or v2 ingest. */
  apiVersion: "v1" | "v2";
  maxAttempts: number;
  maxAgeMs: number;
  queueLimit: number;
  dedupeWindowMs: number;
  /** Body limit of the Alertmanager endpoint in bytes (RELAY_ALERTMANAGER_MAX_BODY). */
  alertmanagerMaxBodyBytes: number;
  /** Most deliveries in flight at once per environment (RELAY_CONCURRENCY). */
  concurrency: number;
  /** Problem lifecycle defaults (RELAY_LIFECYCLE, RELAY_SEVERITY_MAP, RELAY_PROBLEM_*). */
  lifecycle: LifecycleSettings;
}

/** The whole effective configuration of one exporter process. */
export interface AppConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  httpTimeoutMs: number;
  environments: EnvironmentConfig[];
  relay: RelayConfig;
  /** Drains that may run at once across environments (MAX_CONCURRENT_DRAINS). */
  maxConcurrentDrains: number;
  /** Bearer tokens for the admin endpoints; empty turns them off. Never log or print these. */
  adminTokens: string[];
  /** The HTTP server's own settings. */
  web: {
    /** Scrapes of /metrics served at once (WEB_MAX_REQUESTS). */
    maxRequests: number;
    /** exporter-toolkit web configuration file (TLS, basic auth, headers), when set. */
    configFile: string | undefined;
    /** Open connections at most (WEB_MAX_CONNECTIONS). */
    maxConnections: number;
    /** Proxies whose X-Forwarded-For names the client (TRUSTED_PROXIES). */
    trustedProxies: string[];
  };
  /** This replica drains only the environments whose name hashes to `index` (mod `count`). */
  shard: { index: number; count: number } | undefined;
}
