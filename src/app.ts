import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import pLimit from "p-limit";
import type { Registry } from "prom-client";
import { ConfigError } from "./config/errors.js";
import type { AppConfig } from "./config/types.js";
import type { BackoffPolicy } from "./dynatrace/backoff.js";
import type { RelayService } from "./relay/relay-service.js";
import type { DrainStatus } from "./feed/drainer.js";
import { ROUTES } from "./http/relay-routes.js";
import { logStartup } from "./log/startup.js";
import { drainedEnvironments, type FeedChanges, FeedSet } from "./feed/feed-set.js";
import { FailedAuthLimiter } from "./http/auth-limiter.js";
import { createHttpApp } from "./http/server.js";
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from "./web/server-limits.js";
import { createLogger, type Logger } from "./log/logger.js";
import { ConfigMetrics } from "./metrics/config-metrics.js";
import { type Exposition, renderExposition } from "./metrics/exposition.js";
import { FeedMetrics } from "./metrics/feed-metrics.js";
import type { FeedView } from "./metrics/feed-view.js";
import { createRegistry } from "./metrics/registry.js";
import { buildRelay } from "./relay/build-relay.js";
import { VERSION } from "./version.js";
import { WebConfigSource } from "./web/web-config.js";
import { ConnectionCap } from "./web/connection-cap.js";
import { PasswordChecker } from "./web/password-checker.js";
import { createWebServer } from "./web/web-server.js";

/** Optional collaborators; tests replace the clock, logger and backoff, production takes defaults. */
export interface AppOptions {
  logger?: Logger;
  clock?: () => number;
  backoff?: BackoffPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Longest server-requested wait honoured inside one drain (default 60 s). */
  maxServerWaitMs?: number;
  /** Backoff between relay delivery attempts (default 1 s doubling to 5 min). */
  relayBackoff?: BackoffPolicy;
  /** Loads the configuration again for a reload; without it a reload keeps the current one. */
  reloadConfig?: () => AppConfig;
  /** HTTP server limits over the defaults and WEB_MAX_CONNECTIONS (tests use small ones). */
  serverLimits?: Partial<ServerLimits>;
}

const RELAY_BACKOFF: BackoffPolicy = {
  maxAttempts: Number.POSITIVE_INFINITY,
  baseDelayMs: 1000,
  maxDelayMs: 300_000,
};

/** A built exporter: its parts, and the means to run and stop it. */
export interface App {
  readonly registry: Registry;
  /** Renders everything `/metrics` serves. */
  metricsText(openMetrics: boolean): Promise<Exposition>;
  readonly http: Express;
  readonly logger: Logger;
  readonly relay: RelayService;
  /** Listens on the configured host and port (port 0 picks a free one) and starts the drain loops. */
  start(): Promise<{ port: number }>;
  /** Stops the loops, lets in-flight responses finish, closes connections. Idempotent. */
  stop(): Promise<void>;
  /** Drains every environment once, in parallel; true when all succeeded. For `--once` and tests. */
  drainAll(): Promise<boolean>;
  statuses(): DrainStatus[];
  /**
   * Re-reads the configuration (SIGHUP, POST /-/reload): unchanged environments keep their state,
   * changed and added ones start afresh, removed ones stop. A failed load changes nothing.
   */
  reload(): Promise<ReloadOutcome>;
}

/** What a reload did, or why it failed. */
export type ReloadOutcome = ({ ok: true } & FeedChanges) | { ok: false; error: string };

/** The composition root: builds registry, logger, clients, stores, drainers and the HTTP app. */
export function createApp(config: AppConfig, options: AppOptions = {}): App {
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? createLogger(config.logLevel);
  const registry = createRegistry(VERSION);
  const startedAt = clock();
  // Read at scrape time only, by which point feedSet exists.
  const metrics: FeedMetrics = new FeedMetrics(registry, (): FeedView[] => feedSet.views(), {
    problems: () => feedSet.problemViews(),
    logger,
  });
  const configMetrics = new ConfigMetrics(registry);
  configMetrics.record(true, startedAt);
  // One slot per running drain: a hundred environments never open a hundred connections at once.
  const limit = pLimit(config.maxConcurrentDrains);
  const feedSet: FeedSet = new FeedSet({
    metrics,
    logger,
    clock,
    startedAt,
    httpTimeoutMs: config.httpTimeoutMs,
    limit: (fn) => limit(fn),
    backoff: options.backoff,
    sleep: options.sleep,
    maxServerWaitMs: options.maxServerWaitMs,
  });
  for (const env of drainedEnvironments(config)) feedSet.add(env);

  const relayParts = buildRelay(config, {
    registry,
    logger,
    clock,
    backoff: options.relayBackoff ?? RELAY_BACKOFF,
    onResponse: (environment, endpoint, code) => metrics.apiRequests.inc({ environment, endpoint, code }),
  });
  const { relay, senders, outbox } = relayParts;

  const statuses = () => feedSet.statuses();
  let reloading: Promise<ReloadOutcome> = Promise.resolve({ ok: true, kept: [], started: [], stopped: [] });
  const reload = (): Promise<ReloadOutcome> => {
    const run = async (): Promise<ReloadOutcome> => {
      let next: AppConfig;
      try {
        next = options.reloadConfig ? options.reloadConfig() : config;
      } catch (err) {
        // A ConfigError's text is scrubbed of secrets by the loader; anything else may not be.
        const message =
          err instanceof ConfigError ? err.toString() : "unexpected error while loading the configuration";
        configMetrics.record(false, clock());
        logger.error(
          { err: message },
          "configuration reload failed; the previous configuration stays in effect",
        );
        return { ok: false, error: message };
      }
      const changes = await feedSet.reconcile(drainedEnvironments(next));
      for (const s of senders) s.client.refreshToken();
      configMetrics.record(true, clock());
      logger.info(changes, "configuration reloaded");
      return { ok: true, ...changes };
    };
    reloading = reloading.then(run, run);
    return reloading;
  };
  const web = config.web.configFile
    ? new WebConfigSource(config.web.configFile, (err) =>
        logger.error(
          { err: err.toString() },
          "web config file is invalid; the last valid one stays in effect",
        ),
      )
    : undefined;
  const ignoredWebKeys = web?.current().ignored ?? [];
  if (ignoredWebKeys.length > 0)
    logger.warn({ keys: ignoredWebKeys }, "web config keys accepted but not applied");
  const unknownAdmins = config.web.adminUsers.filter((u) => !web?.current().users.has(u));
  if (unknownAdmins.length > 0)
    logger.warn(
      { users: unknownAdmins },
      "WEB_ADMIN_USERS names users the web config's basic_auth_users does not have; they cannot log in",
    );
  const authLimiter = new FailedAuthLimiter();
  const passwords = new PasswordChecker();
  const serverLimits: ServerLimits = {
    ...DEFAULT_SERVER_LIMITS,
    maxConnections: config.web.maxConnections,
    ...options.serverLimits,
  };
  const connections = new ConnectionCap({
    maxConnections: serverLimits.maxConnections,
    perClient: config.web.maxConnectionsPerClient,
    // express's compiled TRUSTED_PROXIES, so a peer is a proxy exactly when req.ip would look past it.
    isProxy: (address) => isTrustedProxy(address, 0),
  });
  const http = createHttpApp({
    registry,
    families: metrics.families,
    version: VERSION,
    logger,
    statuses,
    overviews: () => feedSet.overviews(),
    clock,
    relay,
    authLimiter,
    reload,
    adminTokens: config.adminTokens,
    adminUsers: config.web.adminUsers,
    passwords,
    connections,
    maxScrapes: config.web.maxRequests,
    web,
    trustedProxies: config.web.trustedProxies,
    deadLetters: relayParts.deadLetters,
  });
  const isTrustedProxy = http.get("trust proxy fn") as (address: string, hop: number) => boolean;
  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  return {
    registry,
    metricsText: (openMetrics) => renderExposition(registry, openMetrics, metrics.families),
    http,
    logger,
    relay,
    statuses,
    reload,
    async start() {
      server = await listen(createWebServer(http, web, serverLimits, connections), config.host, config.port);
      feedSet.start();
      for (const s of senders) s.sender.start();
      for (const w of relayParts.lifecycle.workers) w.start();
      const port = (server.address() as AddressInfo).port;
      logger.info({ host: config.host, port, environments: feedSet.size }, "exporter listening");
      const drained = new Set(drainedEnvironments(config).map((e) => e.name));
      logStartup(logger, config, drained, ROUTES);
      return { port };
    },
    async drainAll() {
      return feedSet.drainAll();
    },
    stop() {
      stopping ??= (async () => {
        await reloading;
        await feedSet.stop();
        if (server) await closeServer(server);
        await Promise.all(relayParts.lifecycle.workers.map((w) => w.stop()));
        await Promise.all(senders.map((s) => s.sender.stop()));
        outbox?.close();
        authLimiter.close();
        await passwords.close();
        await Promise.all(senders.map((f) => f.client.close()));
      })();
      return stopping;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Keep-alive scrapers would hold the server open; in-flight responses get a short grace period.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
