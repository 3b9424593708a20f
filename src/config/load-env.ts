import { z } from "zod";
import { LIFECYCLE_DEFAULTS, lifecycleFromEnv } from "./lifecycle.js";
import { parseDuration } from "./duration.js";
import { parseByteSize } from "./byte-size.js";
import { ConfigError } from "./errors.js";
import { envSecrets, quote, scrubbing } from "./secrets.js";
import { trustedProxyList } from "./trusted-proxies.js";
import { withNetwork } from "./network.js";
import { readIngestToken, readTokenFile } from "./token-files.js";
import { type AppConfig, type EnvironmentConfig, LOG_LEVELS, V1_PUSH_EVENT_TYPES } from "./types.js";
import { parseDynatraceUrl } from "./url.js";

/** Every environment variable the exporter reads, with its default and meaning (README table). */
export const ENV_VARS = {
  DYNATRACE_URL: {
    default: undefined,
    doc: "Environment base URL: SaaS `https://abc12345.live.dynatrace.com`, or Managed/ActiveGate `https://host[:9999]/e/<environment-id>`. A trailing slash or a pasted `/api/v1/events` is tolerated; a query string is refused (that is where `api-token=` would leak from).",
  },
  DYNATRACE_API_TOKEN: {
    default: undefined,
    doc: "API token with the `DataExport` scope, sent as `Authorization: Api-Token <token>`. Never logged, printed or exported.",
  },
  DYNATRACE_API_TOKEN_FILE: {
    default: undefined,
    doc: "Path of a file holding the token instead (Kubernetes secrets); re-read when it changes, so a rotated Secret applies without a restart. Set one of the two.",
  },
  DYNATRACE_ENVIRONMENT: {
    default: undefined,
    doc: "Value of the `environment` label (`abc12345` for SaaS, the `/e/<id>` part for Managed).",
  },
  DYNATRACE_API_VERSION: {
    default: "v1",
    doc: 'Events feed read: `v1` (`/api/v1/events`) or `v2` (`/api/v2/events`, token scope `events.read`); see "v1 or v2".',
  },
  DRAIN_INTERVAL: {
    default: "60s",
    doc: "Time between drain starts. A drain that overruns delays the next; drains never overlap.",
  },
  EVENTS_WINDOW: {
    default: "24h",
    doc: "Closed events count while their end lies within this window (at most 2 years, the API's limit).",
  },
  DRAIN_OVERLAP: {
    default: "2m",
    doc: "Each incremental drain re-reads from the previous drain's end minus this, to catch events Dynatrace indexes late and to absorb clock skew. Must be shorter than the window.",
  },
  RESYNC_INTERVAL: {
    default: "6h",
    doc: "Time between full re-reads of the window, which remove events the server no longer returns.",
  },
  EVENT_TYPES: { default: "", doc: "Comma list: count only these event types (applied client side)." },
  EXCLUDE_EVENT_TYPES: {
    default: "",
    doc: "Comma list: never count these event types (applied client side).",
  },
  ENTITY_ID: { default: undefined, doc: "Only events of this entity (passed to the API as `entityId`)." },
  PORT: { default: "9721", doc: "HTTP port." },
  HOST: { default: "0.0.0.0", doc: "HTTP listen address." },
  LOG_LEVEL: {
    default: "info",
    doc: "`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. Logs are JSON lines on stdout.",
  },
  HTTP_TIMEOUT: {
    default: "30s",
    doc: "Longest wait for an API answer's headers and between body chunks; a whole request is cut off at twice this.",
  },
  DYNATRACE_INGEST_TOKEN: {
    default: undefined,
    doc: "Token the relay pushes with: scope `DataExport` for v1 push, `events.ingest` for v2 ingest.",
  },
  DYNATRACE_INGEST_TOKEN_FILE: {
    default: undefined,
    doc: "File holding the ingest token instead; token files are re-read when they change.",
  },
  DYNATRACE_CA_FILE: { default: undefined, doc: "PEM file of extra CAs trusted for the tenant's TLS." },
  HTTPS_PROXY: { default: undefined, doc: "Proxy for https:// tenants (https_proxy read first)." },
  HTTP_PROXY: { default: undefined, doc: "Proxy for http:// tenants (http_proxy read first)." },
  NO_PROXY: { default: undefined, doc: "Comma list of hosts (.suffix, host:port, *) reached without proxy." },
  RELAY_TOKENS: {
    default: "",
    doc: "Comma list of tokens agents must present to post alarms. Without it (and without `RELAY_ALLOW_ANONYMOUS`) the relay answers 401 and writes nothing to disk.",
  },
  RELAY_ALLOW_ANONYMOUS: {
    default: "false",
    doc: "`true` accepts alarms without a token (only behind a trusted network boundary).",
  },
  RELAY_DATA_DIR: {
    default: "./data",
    doc: "Directory of the relay's outbox (`relay-outbox.sqlite`). Give it a persistent volume.",
  },
  RELAY_EVENT_TYPE: {
    default: "CUSTOM_INFO",
    doc: "Event type of relayed netdata-style, native and Alertmanager alarms (any v1 push type; the fields that type requires are filled from the alarm).",
  },
  RELAY_SOURCE: {
    default: "Netdata Alarm",
    doc: "`source` of relayed native alarms (netdata's `DYNATRACE_ANNOTATION_TYPE` default).",
  },
  RELAY_TAG: {
    default: undefined,
    doc: "Attach alarms to HOST entities with this tag instead of to the alarm's host.",
  },
  RELAY_API_VERSION: {
    default: "v1",
    doc: "`v1`: push with `POST /api/v1/events`; `v2`: push with `POST /api/v2/events/ingest`.",
  },
  RELAY_MAX_ATTEMPTS: {
    default: "100",
    doc: "Kept for compatibility; no longer dead-letters anything: environment-level failures retry until RELAY_MAX_AGE, and a verdict about an alarm dead-letters it at once.",
  },
  RELAY_MAX_AGE: {
    default: "24h",
    doc: "Age after which an undelivered alarm is dead-lettered (reason expired) instead of retried further; it can be replayed from there.",
  },
  RELAY_QUEUE_LIMIT: { default: "100000", doc: "Alarms waiting per environment before new ones get 503." },
  RELAY_DEDUPE_WINDOW: {
    default: "2m",
    doc: "The same alarm (same key, see Delivery guarantees) again within this window is a duplicate.",
  },
  CONFIG_FILE: {
    default: undefined,
    doc: 'YAML file listing several environments (same as `--config`); see "Several environments". The variables then give defaults and the global settings.',
  },
  MAX_CONCURRENT_DRAINS: {
    default: "4",
    doc: "Drains running at once across environments; the others wait for a slot.",
  },
  SHARD_INDEX: { default: undefined, doc: "This replica's shard, 0 to SHARD_COUNT-1." },
  SHARD_COUNT: { default: undefined, doc: "Replicas sharing the environments (hashmod on the name)." },
  ADMIN_TOKENS: {
    default: "",
    doc: "Comma list of bearer tokens for the admin endpoints (/-/reload, /-/dead-letters); unset: off.",
  },
  WEB_MAX_REQUESTS: {
    default: "40",
    doc: "Scrapes of /metrics served at once; more get 503 (0: no limit), as Prometheus' --web.max-requests.",
  },
  WEB_CONFIG_FILE: {
    default: undefined,
    doc: "exporter-toolkit web config (TLS, basic auth, headers) for every page but the relay (or --web.config.file).",
  },
  FEED_MAX_PAGES: {
    default: "10000",
    doc: "Most pages one read of the events feed may take (1,500,000 v1 / 10,000,000 v2 events at 10000); more fails the drain as paging_loop.",
  },
  RELAY_ALERTMANAGER_MAX_BODY: {
    default: "8MiB",
    doc: "Largest Alertmanager notification accepted (bytes, or e.g. 8MiB, 16MB); larger ones get 413.",
  },
  TRUSTED_PROXIES: {
    default: "",
    doc: "Comma list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal) whose X-Forwarded-For is believed.",
  },
  WEB_MAX_CONNECTIONS: { default: "1024", doc: "Open HTTP connections at most; further ones are closed." },
  RELAY_CONCURRENCY: {
    default: "16",
    doc: "Most alarm deliveries in flight at once per environment (halved on 429, regrown by one per that many successes); alarms of one identity always go one at a time, in order.",
  },
  // Problem lifecycle (docs/relay-problems.md); parsed by src/config/lifecycle.ts.
  RELAY_LIFECYCLE: {
    default: LIFECYCLE_DEFAULTS.RELAY_LIFECYCLE,
    doc: "Inputs whose alerts open a Dynatrace problem while firing and close it when resolved (v2 upstream only): `on`, `off`, or a comma list of `alertmanager`, `netdata`, `native`.",
  },
  RELAY_SEVERITY_MAP: {
    default: LIFECYCLE_DEFAULTS.RELAY_SEVERITY_MAP,
    doc: "Alert severity (Alertmanager `severity` label; netdata/native status) to v2 event type; problem-opening types open a problem, unlisted severities stay `CUSTOM_INFO` events.",
  },
  RELAY_PROBLEM_TIMEOUT: {
    default: LIFECYCLE_DEFAULTS.RELAY_PROBLEM_TIMEOUT,
    doc: "`timeout` of a firing alert's problem-opening event (1m to 6h): it closes this long after its last refresh.",
  },
  RELAY_PROBLEM_REFRESH: {
    default: LIFECYCLE_DEFAULTS.RELAY_PROBLEM_REFRESH,
    doc: "How often the replica that received a firing alert re-sends its event to keep it open (1m to half of RELAY_PROBLEM_TIMEOUT).",
  },
  PROBLEMS: {
    default: "auto",
    doc: "Problems collector (`GET /api/v2/problems`, scope `problems.read`): `auto` collects for environments reading the v2 feed, `on` for all, `off` for none. A 403 turns it off with one log line; asked again hourly and at a reload. File key `problems`.",
  },
  MAX_SERIES: {
    default: "10000",
    doc: "Series cap: most label sets per metric family and environment; new ones beyond it fold into one series whose varying labels read `other` (`dynatrace_series_folded_total`). File key `maxSeries`.",
  },
  FEED_READ_CONCURRENCY: {
    default: "4",
    doc: "Feed requests in flight at once per environment (1 to 64): full reads of 16+ pages are read in time slices side by side (1: page after page); halved on 429, +1 per 16 pages that succeed in a row.",
  },
} as const;

type Env = Record<string, string | undefined>;

const MAX_WINDOW_MS = 2 * 365 * 24 * 3600_000;

function duration(min: number, max = Number.POSITIVE_INFINITY) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `${quote(text)} is not a duration (use e.g. 30s, 5m, 1h30m, or plain seconds)`,
      });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: "custom", message: `${quote(text)} is out of range` });
      return z.NEVER;
    }
    return ms;
  });
}

const list = z.string().transform((s) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== ""),
);

const positiveInt = z
  .string()
  .regex(/^\d+$/, "must be a whole number")
  .transform(Number)
  .refine((n) => n >= 1, "must be at least 1");

const envSchema = z.object({
  DYNATRACE_URL: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseDynatraceUrl(text);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  MAX_CONCURRENT_DRAINS: positiveInt,
  SHARD_INDEX: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).optional(),
  SHARD_COUNT: positiveInt.optional(),
  DYNATRACE_ENVIRONMENT: z
    .string()
    .regex(/^[\w.:-]{1,128}$/, "must be 1-128 letters, digits, '.', ':', '_' or '-'")
    .optional(),
  DYNATRACE_API_VERSION: z.enum(["v1", "v2"], {
    error: (iss) => `unsupported value ${quote(iss.input)} (supported: v1, v2)`,
  }),
  DRAIN_INTERVAL: duration(1000),
  EVENTS_WINDOW: duration(60_000, MAX_WINDOW_MS),
  DRAIN_OVERLAP: duration(0),
  RESYNC_INTERVAL: duration(60_000),
  EVENT_TYPES: list,
  EXCLUDE_EVENT_TYPES: list,
  ENTITY_ID: z.string().min(1).optional(),
  PORT: z
    .string()
    .regex(/^\d+$/, "must be a port number")
    .transform(Number)
    .refine((n) => n <= 65535, "must be at most 65535"),
  HOST: z.string().min(1),
  LOG_LEVEL: z.enum(LOG_LEVELS, {
    error: (iss) => `unknown level ${quote(iss.input)} (use ${LOG_LEVELS.join(", ")})`,
  }),
  HTTP_TIMEOUT: duration(100),
  RELAY_TOKENS: list,
  RELAY_ALLOW_ANONYMOUS: z.enum(["true", "false"], { error: () => "must be true or false" }),
  RELAY_DATA_DIR: z.string().min(1),
  RELAY_EVENT_TYPE: z.enum(V1_PUSH_EVENT_TYPES, {
    error: (iss) => `unsupported event type ${quote(iss.input)} (use ${V1_PUSH_EVENT_TYPES.join(", ")})`,
  }),
  RELAY_SOURCE: z.string().min(1),
  RELAY_TAG: z.string().min(1).optional(),
  RELAY_API_VERSION: z.enum(["v1", "v2"], {
    error: (iss) => `unsupported value ${quote(iss.input)} (supported: v1, v2)`,
  }),
  RELAY_MAX_ATTEMPTS: positiveInt,
  RELAY_MAX_AGE: duration(1000),
  RELAY_QUEUE_LIMIT: positiveInt,
  RELAY_DEDUPE_WINDOW: duration(0),
  ADMIN_TOKENS: list,
  WEB_MAX_REQUESTS: z.string().regex(/^\d+$/, "must be a whole number").transform(Number),
  WEB_CONFIG_FILE: z.string().min(1).optional(),
  FEED_MAX_PAGES: positiveInt.refine((n) => n <= 1_000_000, "must be at most 1000000"),
  RELAY_ALERTMANAGER_MAX_BODY: z.string().transform((text, ctx) => {
    const bytes = parseByteSize(text);
    if (bytes === undefined || bytes < 1024) {
      ctx.addIssue({ code: "custom", message: "must be a size of at least 1KiB, e.g. 8MiB or 8388608" });
      return z.NEVER;
    }
    return bytes;
  }),
  TRUSTED_PROXIES: list.transform((items, ctx) => trustedProxyList(items, ctx)),
  WEB_MAX_CONNECTIONS: positiveInt,
  RELAY_CONCURRENCY: positiveInt.refine((n) => n <= 256, "must be at most 256"),
  RELAY_LIFECYCLE: z.string(),
  RELAY_SEVERITY_MAP: z.string(),
  RELAY_PROBLEM_TIMEOUT: z.string(),
  RELAY_PROBLEM_REFRESH: z.string(),
  PROBLEMS: z.enum(["auto", "on", "off"], {
    error: (iss) => `unsupported value ${quote(iss.input)} (use auto, on, off)`,
  }),
  MAX_SERIES: positiveInt.refine((n) => n >= 10 && n <= 1_000_000, "must be between 10 and 1000000"),
  FEED_READ_CONCURRENCY: positiveInt.refine((n) => n <= 64, "must be at most 64"),
});

function readToken(env: Env): { token: string; tokenSource: string; tokenFile?: string } {
  const direct = env.DYNATRACE_API_TOKEN;
  const file = env.DYNATRACE_API_TOKEN_FILE;
  if (direct && file) {
    throw new ConfigError(
      "DYNATRACE_API_TOKEN_FILE",
      "set only one of DYNATRACE_API_TOKEN and DYNATRACE_API_TOKEN_FILE",
    );
  }
  if (file) {
    const token = readTokenFile("DYNATRACE_API_TOKEN_FILE", file);
    return { token, tokenSource: `DYNATRACE_API_TOKEN_FILE (${file})`, tokenFile: file };
  }
  if (direct?.trim()) return { token: direct.trim(), tokenSource: "DYNATRACE_API_TOKEN" };
  throw new ConfigError(
    "DYNATRACE_API_TOKEN",
    "is required (or set DYNATRACE_API_TOKEN_FILE); the token needs the DataExport scope",
  );
}

/** What environments inherit from the environment variables unless they say otherwise. */
export type EnvironmentDefaults = Pick<
  EnvironmentConfig,
  | "apiVersion"
  | "drainIntervalMs"
  | "windowMs"
  | "overlapMs"
  | "resyncIntervalMs"
  | "eventTypes"
  | "excludeEventTypes"
  | "maxPages"
  | "problems"
  | "maxSeries"
  | "readConcurrency"
>;

function environmentFromEnv(
  env: Env,
  v: z.infer<typeof envSchema>,
  defaults: EnvironmentDefaults,
): EnvironmentConfig {
  const address = v.DYNATRACE_URL;
  if (address === undefined) throw new ConfigError("DYNATRACE_URL", "is required");
  const token = readToken(env);
  return {
    name: v.DYNATRACE_ENVIRONMENT ?? address.environmentId,
    address,
    ...token,
    ...readIngestToken(env, token),
    ...defaults,
    entityId: v.ENTITY_ID,
  };
}

/**
 * Builds the effective configuration from environment variables. Throws a {@link ConfigError}
 * naming the first variable at fault; never returns a partially valid config. The error's text
 * never holds a secret: it is scrubbed of every secret variable's value and of URL credentials.
 */
export function loadConfigFromEnv(
  env: Env,
  fromFile?: (defaults: EnvironmentDefaults) => EnvironmentConfig[],
): AppConfig {
  return scrubbing(
    () => envSecrets(env),
    () => buildConfig(env, fromFile),
  );
}

/** {@link loadConfigFromEnv} without the scrubbing, for loaders that scrub with more secrets. */
export function buildConfig(
  env: Env,
  fromFile?: (defaults: EnvironmentDefaults) => EnvironmentConfig[],
): AppConfig {
  const withDefaults: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const value = env[name];
    withDefaults[name] = value === undefined || value === "" ? spec.default : value;
  }
  if (withDefaults.DYNATRACE_URL === undefined && !fromFile) {
    throw new ConfigError(
      "DYNATRACE_URL",
      "is required, e.g. https://abc12345.live.dynatrace.com (or run with --demo)",
    );
  }
  const parsed = envSchema.safeParse(withDefaults);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? "environment"), issue?.message ?? "invalid");
  }
  const v = parsed.data;
  if (v.DRAIN_OVERLAP >= v.EVENTS_WINDOW) {
    throw new ConfigError("DRAIN_OVERLAP", "must be shorter than EVENTS_WINDOW");
  }
  if (v.SHARD_INDEX !== undefined && v.SHARD_COUNT !== undefined && v.SHARD_INDEX >= v.SHARD_COUNT) {
    throw new ConfigError("SHARD_INDEX", `must be below SHARD_COUNT (${v.SHARD_COUNT})`);
  }
  const defaults: EnvironmentDefaults = {
    apiVersion: v.DYNATRACE_API_VERSION,
    drainIntervalMs: v.DRAIN_INTERVAL,
    windowMs: v.EVENTS_WINDOW,
    overlapMs: v.DRAIN_OVERLAP,
    resyncIntervalMs: v.RESYNC_INTERVAL,
    eventTypes: v.EVENT_TYPES,
    excludeEventTypes: v.EXCLUDE_EVENT_TYPES,
    maxPages: v.FEED_MAX_PAGES,
    // Problems collector and series cap (docs/problems-and-dimensions.md).
    problems: v.PROBLEMS,
    maxSeries: v.MAX_SERIES,
    readConcurrency: v.FEED_READ_CONCURRENCY,
  };
  const environments = withNetwork(
    fromFile ? fromFile(defaults) : [environmentFromEnv(env, v, defaults)],
    env,
  );
  return {
    host: v.HOST,
    port: v.PORT,
    logLevel: v.LOG_LEVEL,
    httpTimeoutMs: v.HTTP_TIMEOUT,
    environments,
    maxConcurrentDrains: v.MAX_CONCURRENT_DRAINS,
    adminTokens: v.ADMIN_TOKENS,
    web: {
      maxRequests: v.WEB_MAX_REQUESTS,
      configFile: v.WEB_CONFIG_FILE,
      maxConnections: v.WEB_MAX_CONNECTIONS,
      trustedProxies: v.TRUSTED_PROXIES,
    },
    shard: v.SHARD_COUNT === undefined ? undefined : { index: v.SHARD_INDEX ?? 0, count: v.SHARD_COUNT },
    relay: {
      tokens: v.RELAY_TOKENS,
      allowAnonymous: v.RELAY_ALLOW_ANONYMOUS === "true",
      dataDir: v.RELAY_DATA_DIR,
      eventType: v.RELAY_EVENT_TYPE,
      source: v.RELAY_SOURCE,
      tag: v.RELAY_TAG,
      apiVersion: v.RELAY_API_VERSION,
      maxAttempts: v.RELAY_MAX_ATTEMPTS,
      maxAgeMs: v.RELAY_MAX_AGE,
      queueLimit: v.RELAY_QUEUE_LIMIT,
      dedupeWindowMs: v.RELAY_DEDUPE_WINDOW,
      alertmanagerMaxBodyBytes: v.RELAY_ALERTMANAGER_MAX_BODY,
      concurrency: v.RELAY_CONCURRENCY,
      lifecycle: lifecycleFromEnv({
        RELAY_LIFECYCLE: v.RELAY_LIFECYCLE,
        RELAY_SEVERITY_MAP: v.RELAY_SEVERITY_MAP,
        RELAY_PROBLEM_TIMEOUT: v.RELAY_PROBLEM_TIMEOUT,
        RELAY_PROBLEM_REFRESH: v.RELAY_PROBLEM_REFRESH,
      }),
    },
  };
}
