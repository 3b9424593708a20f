import { duration, integer, oneOf } from "./kinds.js";
import { list, path, text } from "./kinds-text.js";
import { setting } from "./setting.js";
import { trustedProxyProblem } from "./trusted-proxies.js";
import { LOG_LEVELS } from "./choices.js";

/** The process's own settings: the top level of the configuration. */
export const SERVER = {
  port: setting({
    env: "PORT",
    scope: "global",
    kind: integer({ min: 0, max: 65535, what: "a port number" }),
    default: "9721",
    doc: "HTTP port.",
  }),
  host: setting({
    env: "HOST",
    scope: "global",
    kind: text(),
    default: "0.0.0.0",
    doc: "HTTP listen address.",
  }),
  logLevel: setting({
    env: "LOG_LEVEL",
    scope: "global",
    kind: oneOf(LOG_LEVELS, (v) => `unknown level ${v} (use ${LOG_LEVELS.join(", ")})`, "log level"),
    default: "info",
    doc: "`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. Logs are JSON lines on stdout.",
  }),
  httpTimeout: setting({
    env: "HTTP_TIMEOUT",
    scope: "global",
    kind: duration({ min: "100ms" }),
    default: "30s",
    doc: "Longest wait for an API answer's headers and between body chunks; a whole request is cut off at twice this.",
  }),
  maxConcurrentDrains: setting({
    env: "MAX_CONCURRENT_DRAINS",
    scope: "global",
    kind: integer({ min: 1 }),
    default: "4",
    doc: "Drains running at once across environments; the others wait for a slot.",
  }),
  adminTokens: setting({
    env: "ADMIN_TOKENS",
    scope: "global",
    kind: list(),
    default: "",
    secret: true,
    doc: "Comma list of bearer tokens for the admin endpoints (/-/reload, /-/dead-letters); unset: off.",
  }),
};

/** The HTTP server's limits and protection. */
export const WEB = {
  maxRequests: setting({
    env: "WEB_MAX_REQUESTS",
    scope: "global",
    kind: integer({ min: 0 }),
    default: "40",
    doc: "Scrapes of /metrics served at once; more get 503 (0: no limit), as Prometheus' --web.max-requests.",
  }),
  configFile: setting({
    env: "WEB_CONFIG_FILE",
    scope: "global",
    kind: path(),
    doc: "exporter-toolkit web config (TLS, basic auth, headers) for every page but the relay (or --web.config.file).",
  }),
  maxConnections: setting({
    env: "WEB_MAX_CONNECTIONS",
    scope: "global",
    kind: integer({ min: 1 }),
    default: "1024",
    doc: "Open HTTP connections at most; beyond it up to 16 more are served /healthz and /readyz only (the probe reserve), then further ones are closed.",
  }),
  maxConnectionsPerClient: setting({
    env: "WEB_MAX_CONNECTIONS_PER_CLIENT",
    scope: "global",
    kind: integer({ min: 1 }),
    default: "64",
    doc: "Open HTTP connections one client address may hold (behind TRUSTED_PROXIES: the forwarded address); more are refused. /healthz and /readyz are served beyond it.",
  }),
  adminUsers: setting({
    env: "WEB_ADMIN_USERS",
    scope: "global",
    kind: list(),
    default: "",
    doc: "Comma list of web config basic_auth_users allowed on the admin endpoints without an admin token.",
  }),
  trustedProxies: setting({
    env: "TRUSTED_PROXIES",
    scope: "global",
    kind: list(trustedProxyProblem),
    default: "",
    doc: "Comma list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal) whose X-Forwarded-For is believed.",
  }),
};

/** Read by their own code: the config file's path, the shard, and proxies (lower case first, as curl). */
export const PROCESS = {
  configFile: setting({
    env: "CONFIG_FILE",
    scope: "global",
    kind: path(),
    doc: 'YAML file listing several environments (same as `--config`); see "Several environments". The variables then give defaults and the global settings.',
  }),
  shardIndex: setting({
    env: "SHARD_INDEX",
    scope: "global",
    kind: integer({ min: 0 }),
    below: "shardCount",
    doc: "This replica's shard, 0 to SHARD_COUNT-1.",
  }),
  shardCount: setting({
    env: "SHARD_COUNT",
    scope: "global",
    kind: integer({ min: 1 }),
    doc: "Replicas sharing the environments (hashmod on the name).",
  }),
  httpsProxy: setting({
    env: "HTTPS_PROXY",
    scope: "global",
    kind: text({ trim: true, type: "proxy URL" }),
    doc: "Proxy for https:// tenants (https_proxy read first).",
  }),
  httpProxy: setting({
    env: "HTTP_PROXY",
    scope: "global",
    kind: text({ trim: true, type: "proxy URL" }),
    doc: "Proxy for http:// tenants (http_proxy read first).",
  }),
  noProxy: setting({
    env: "NO_PROXY",
    scope: "global",
    kind: list(),
    doc: "Comma list of hosts (.suffix, host:port, *) reached without proxy.",
  }),
};
