import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import type { Registry } from "prom-client";
import type { AppConfig } from "./config/types.js";
import type { BackoffPolicy } from "./dynatrace/backoff.js";
import { DynatraceClient } from "./dynatrace/client.js";
import pLimit from "p-limit";
import { DrainLoop } from "./feed/drain-loop.js";
import { shardOf } from "./feed/shard.js";
import { type DrainStatus, FeedDrainer } from "./feed/drainer.js";
import { EventStore } from "./feed/event-store.js";
import { ConfigError } from "./config/errors.js";
import { FailedAuthLimiter } from "./http/auth-limiter.js";
import { createHttpApp } from "./http/server.js";
import { createLogger, type Logger } from "./log/logger.js";
import { FeedMetrics, type FeedView } from "./metrics/feed-metrics.js";
import { type Exposition, renderExposition } from "./metrics/exposition.js";
import { createRegistry } from "./metrics/registry.js";
import { RelayMetrics } from "./metrics/relay-metrics.js";
import { Outbox } from "./relay/outbox.js";
import { RelayService } from "./relay/relay-service.js";
import { RelaySender } from "./relay/sender.js";
import { USER_AGENT, VERSION } from "./version.js";

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
}

interface Feed {
  drainer: FeedDrainer;
  /** The drainer behind the concurrency limit. */
  limited: { drainOnce(signal?: AbortSignal): Promise<{ ok: boolean }> };
  client: DynatraceClient;
  loop: DrainLoop;
}

/** The composition root: builds registry, logger, clients, stores, drainers and the HTTP app. */
export function createApp(config: AppConfig, options: AppOptions = {}): App {
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? createLogger(config.logLevel);
  const registry = createRegistry(VERSION);
  const startedAt = clock();
  const views: FeedView[] = [];
  const metrics = new FeedMetrics(registry, () => views);

  // One slot per running drain: a hundred environments never open a hundred connections at once.
  const limit = pLimit(config.maxConcurrentDrains);
  const shard = config.shard;
  const drained = shard
    ? config.environments.filter((e) => shardOf(e.name, shard.count) === shard.index)
    : config.environments;
  const feeds: Feed[] = drained.map((env) => {
    const store = new EventStore(clock);
    views.push({ environment: env.name, store, retainZeroMs: env.windowMs });
    const client = new DynatraceClient({
      address: env.address,
      token: env.token,
      timeoutMs: config.httpTimeoutMs,
      userAgent: USER_AGENT,
      backoff: options.backoff,
      sleep: options.sleep,
      now: clock,
      maxServerWaitMs: options.maxServerWaitMs,
      onResponse: (endpoint, code) => metrics.apiRequests.inc({ environment: env.name, endpoint, code }),
    });
    const drainer = new FeedDrainer({ env, client, store, metrics, logger, clock, startedAt });
    const limited = { drainOnce: (signal?: AbortSignal) => limit(() => drainer.drainOnce(signal)) };
    return { drainer, client, limited, loop: new DrainLoop(limited, env.drainIntervalMs, clock) };
  });

  const relayParts = buildRelay(config, {
    registry,
    logger,
    clock,
    backoff: options.relayBackoff ?? RELAY_BACKOFF,
    onResponse: (environment, endpoint, code) => metrics.apiRequests.inc({ environment, endpoint, code }),
  });
  const { relay, senders, outbox } = relayParts;

  const statuses = () => feeds.map((f) => f.drainer.status());
  const authLimiter = new FailedAuthLimiter();
  const http = createHttpApp({
    registry,
    families: metrics.families,
    version: VERSION,
    logger,
    statuses,
    relay,
    authLimiter,
  });
  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  return {
    registry,
    metricsText: (openMetrics) => renderExposition(registry, openMetrics, metrics.families),
    http,
    logger,
    relay,
    statuses,
    async start() {
      server = await listen(http, config.host, config.port);
      for (const f of feeds) f.loop.start();
      for (const s of senders) s.sender.start();
      const port = (server.address() as AddressInfo).port;
      logger.info({ host: config.host, port, environments: feeds.length }, "exporter listening");
      return { port };
    },
    async drainAll() {
      const results = await Promise.all(feeds.map((f) => f.limited.drainOnce()));
      return results.every((r) => r.ok);
    },
    stop() {
      stopping ??= (async () => {
        await Promise.all(feeds.map((f) => f.loop.stop()));
        if (server) await closeServer(server);
        await Promise.all(senders.map((s) => s.sender.stop()));
        outbox?.close();
        authLimiter.close();
        await Promise.all([...feeds, ...senders].map((f) => f.client.close()));
      })();
      return stopping;
    },
  };
}

interface RelayParts {
  relay: RelayService;
  outbox: Outbox | undefined;
  senders: { sender: RelaySender; client: DynatraceClient }[];
}

/**
 * The relay: metrics always (dashboards expect the series), and the outbox and one sender per
 * environment only when inbound tokens or anonymous access are configured, so a feed-only
 * deployment writes nothing to disk.
 */
function buildRelay(
  config: AppConfig,
  deps: {
    registry: Registry;
    logger: Logger;
    clock: () => number;
    backoff: BackoffPolicy;
    onResponse: (environment: string, endpoint: string, code: string) => void;
  },
): RelayParts {
  const names = config.environments.map((e) => e.name);
  let outbox: Outbox | undefined;
  const enabled = config.relay.tokens.length > 0 || config.relay.allowAnonymous;
  if (enabled) {
    try {
      outbox = new Outbox(config.relay.dataDir, {
        clock: deps.clock,
        dedupeWindowMs: config.relay.dedupeWindowMs,
        queueLimit: config.relay.queueLimit,
      });
    } catch (err) {
      throw new ConfigError(
        "RELAY_DATA_DIR",
        `cannot open the outbox in ${config.relay.dataDir}: ${(err as Error).message}`,
      );
    }
  }
  const metrics = new RelayMetrics(deps.registry, () => outbox, names, deps.clock);
  const senders = outbox
    ? config.environments.map((env) => {
        const client = new DynatraceClient({
          address: env.address,
          token: env.ingestToken,
          timeoutMs: config.httpTimeoutMs,
          userAgent: USER_AGENT,
          now: deps.clock,
          onResponse: (endpoint, code) => deps.onResponse(env.name, endpoint, code),
        });
        const sender = new RelaySender({
          environment: env.name,
          outbox: outbox,
          client,
          metrics,
          logger: deps.logger,
          clock: deps.clock,
          backoff: deps.backoff,
          maxAttempts: config.relay.maxAttempts,
          maxAgeMs: config.relay.maxAgeMs,
        });
        return { sender, client, name: env.name };
      })
    : [];
  const relay = new RelayService(
    config.relay,
    names,
    outbox,
    new Map(senders.map((s) => [s.name, s.sender])),
    metrics,
  );
  return { relay, outbox, senders };
}

function listen(app: Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.once("error", reject);
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
