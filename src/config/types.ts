import type { LifecycleSettings } from "./lifecycle.js";
import type { Overrides, Values } from "./setting.js";
import type { SETTINGS, Settings } from "./settings.js";
import type { DynatraceAddress } from "./url.js";

export { LOG_LEVELS, type LogLevel, V1_PUSH_EVENT_TYPES } from "./choices.js";

/** How one environment is reached, combined from the `connection` settings by connection.ts. */
export interface Connection {
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
}

/**
 * One Dynatrace environment the exporter drains, for any table of settings: its connection, every
 * `feed` setting by field (`windowMs`, `maxPages`, ...), and, when its config-file entry has a
 * `relay:` key, the relay settings it overrides.
 */
export type EnvironmentConfigOf<S extends Settings> = Connection &
  Values<S["feed"]> & { relay?: Overrides<S["relay"]> };

/**
 * The whole effective configuration of one exporter process, for any table of settings: the
 * `server` settings at the top level, `web` and `relay` by field, the environments, the shard.
 */
export type AppConfigOf<S extends Settings> = Values<S["server"]> & {
  environments: EnvironmentConfigOf<S>[];
  web: Values<S["web"]>;
  /** The relay's settings; `lifecycle` is the problem lifecycle combined from its four settings. */
  relay: Omit<Values<S["relay"]>, "lifecycle"> & { lifecycle: LifecycleSettings };
  /** This replica drains only the environments whose name hashes to `index` (mod `count`). */
  shard: { index: number; count: number } | undefined;
};

/** One Dynatrace environment the exporter drains (derived from the declared settings). */
export type EnvironmentConfig = EnvironmentConfigOf<typeof SETTINGS>;
/** The whole effective configuration of one exporter process (derived from the declared settings). */
export type AppConfig = AppConfigOf<typeof SETTINGS>;
/** The alarm relay: inbound auth, mapping defaults, the outbox and delivery limits. */
export type RelayConfig = AppConfig["relay"];
