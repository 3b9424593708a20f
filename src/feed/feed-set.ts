import type { AppConfig, EnvironmentConfig } from "../config/types.js";
import type { BackoffPolicy } from "../dynatrace/backoff.js";
import { DynatraceClient } from "../dynatrace/client.js";
import { SharedDispatchers } from "../dynatrace/dispatcher.js";
import { ReadGate } from "../dynatrace/read-gate.js";
import { TokenSource } from "../dynatrace/token-source.js";
import type { Logger } from "../log/logger.js";
import type { FeedMetrics } from "../metrics/feed-metrics.js";
import type { FeedView } from "../metrics/feed-view.js";
import type { ProblemsView } from "../metrics/problem-view.js";
import { ProblemStore } from "./problems/problem-store.js";
import { ProblemsCollector, problemsOn } from "./problems/problems-collector.js";
import { USER_AGENT } from "../version.js";
import { DrainLoop } from "./drain-loop.js";
import { type DrainResult, type DrainStatus, FeedDrainer } from "./drainer.js";
import { extraLabelsOf } from "./event-dimensions.js";
import { EventStore } from "./event-store.js";
import { eventsCap, problemsCap } from "./series-caps.js";
import { shardOf } from "./shard.js";

/** What every feed of the set is built with. */
export interface FeedSetDeps {
  metrics: FeedMetrics;
  logger: Logger;
  clock: () => number;
  startedAt: number;
  httpTimeoutMs: number;
  /** Runs a drain inside the MAX_CONCURRENT_DRAINS limit. */
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  backoff?: BackoffPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  maxServerWaitMs?: number;
}

interface Feed {
  env: EnvironmentConfig;
  /** The environment's settings as JSON: equal text means nothing changed on reload. */
  fingerprint: string;
  view: FeedView;
  drainer: FeedDrainer;
  client: DynatraceClient;
  loop: DrainLoop;
  drainOnce(signal?: AbortSignal): Promise<DrainResult>;
  /** The problems collector, when the environment collects problems. */
  problems: ProblemsCollector | undefined;
}

/** What the landing page shows of one drained environment: its state, tenant and counts. */
export interface FeedOverview {
  status: DrainStatus;
  /** The tenant's host (and port), never its path or credentials. */
  host: string;
  apiVersion: EnvironmentConfig["apiVersion"];
  view: FeedView;
  /** Undefined when the environment does not collect problems. */
  problems: ProblemsView | undefined;
}

/** What a reconciliation did, by environment name. */
export interface FeedChanges {
  kept: string[];
  started: string[];
  stopped: string[];
}

/** The environments this replica drains (its shard of them, when sharded). */
export function drainedEnvironments(config: AppConfig): EnvironmentConfig[] {
  const shard = config.shard;
  if (!shard) return config.environments;
  return config.environments.filter((e) => shardOf(e.name, shard.count) === shard.index);
}

/**
 * The feeds of the environments being drained, by name. `reconcile` swaps in a new list of
 * environments: an environment whose settings are unchanged keeps its store, position and loop;
 * a changed one is rebuilt; a removed one is stopped and its series are dropped.
 */
export class FeedSet {
  private readonly feeds = new Map<string, Feed>();
  /** One connection pool per tenant origin (and proxy, CA) for all the environments on it. */
  private readonly dispatchers = new SharedDispatchers();
  private running = false;

  constructor(private readonly deps: FeedSetDeps) {}

  views(): FeedView[] {
    return [...this.feeds.values()].map((f) => f.view);
  }

  /** The problems collectors of the environments that collect problems. */
  problemViews(): ProblemsView[] {
    return [...this.feeds.values()].flatMap((f) => (f.problems ? [f.problems] : []));
  }

  /** Each drained environment's {@link FeedOverview}. */
  overviews(): FeedOverview[] {
    return [...this.feeds.values()].map((f) => ({
      status: f.drainer.status(),
      host: new URL(f.env.address.origin).host,
      apiVersion: f.env.apiVersion,
      view: f.view,
      problems: f.problems,
    }));
  }

  statuses(): DrainStatus[] {
    return [...this.feeds.values()].map((f) => f.drainer.status());
  }

  get size(): number {
    return this.feeds.size;
  }

  /** Drains every environment once (within the concurrency limit); true when all succeeded. */
  async drainAll(): Promise<boolean> {
    const results = await Promise.all([...this.feeds.values()].map((f) => f.drainOnce()));
    return results.every((r) => r.ok);
  }

  /** Starts the drain loops, and those of environments added later. */
  start(): void {
    this.running = true;
    for (const f of this.feeds.values()) f.loop.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.feeds.values()].map((f) => f.loop.stop()));
    await Promise.all([...this.feeds.values()].map((f) => f.client.close()));
  }

  async reconcile(environments: EnvironmentConfig[]): Promise<FeedChanges> {
    const changes: FeedChanges = { kept: [], started: [], stopped: [] };
    const wanted = new Map(environments.map((e) => [e.name, e]));
    for (const [name, feed] of this.feeds) {
      const next = wanted.get(name);
      if (next && fingerprint(next) === feed.fingerprint) {
        changes.kept.push(name);
        feed.client.refreshToken();
        feed.problems?.retrySoon();
        continue;
      }
      await this.remove(feed);
      changes.stopped.push(name);
    }
    for (const env of environments) {
      if (this.feeds.has(env.name)) continue;
      this.add(env);
      changes.started.push(env.name);
    }
    return changes;
  }

  /** Adds an environment's feed (started at once if the set is running). */
  add(env: EnvironmentConfig): void {
    const feed = this.build(env);
    this.feeds.set(env.name, feed);
    if (this.running) feed.loop.start();
  }

  private async remove(feed: Feed): Promise<void> {
    this.feeds.delete(feed.env.name);
    await feed.loop.stop();
    await feed.client.close();
    await this.deps.metrics.removeEnvironment(feed.env.name);
  }

  private build(env: EnvironmentConfig): Feed {
    const d = this.deps;
    const extra = extraLabelsOf(env);
    const store = new EventStore(d.clock, eventsCap(d.metrics.folds, env, extra));
    const readConcurrency = env.readConcurrency;
    const client = new DynatraceClient({
      address: env.address,
      token: new TokenSource({
        token: env.token,
        file: env.tokenFile,
        logger: d.logger,
        context: { environment: env.name, use: "feed" },
      }),
      proxy: env.proxy,
      ca: env.ca,
      timeoutMs: d.httpTimeoutMs,
      userAgent: USER_AGENT,
      backoff: d.backoff,
      sleep: d.sleep,
      now: d.clock,
      maxServerWaitMs: d.maxServerWaitMs,
      onResponse: (endpoint, code) => d.metrics.apiRequests.inc({ environment: env.name, endpoint, code }),
      // The slices of a full read share the environment's one drain slot and these requests.
      readGate: new ReadGate(readConcurrency),
      dispatchers: this.dispatchers,
    });
    const drainer = new FeedDrainer({
      env,
      client,
      store,
      metrics: d.metrics,
      logger: d.logger,
      clock: d.clock,
      startedAt: d.startedAt,
      requestBudgetMs: d.httpTimeoutMs,
    });
    const problems = problemsOn(env)
      ? new ProblemsCollector({
          env,
          client,
          extra,
          logger: d.logger,
          clock: d.clock,
          startedAt: d.startedAt,
          store: new ProblemStore(problemsCap(d.metrics.folds, env, extra)),
        })
      : undefined;
    // Problems are drained right after the events, in the same concurrency slot; their failures
    // never touch the events' state (dynatrace_up).
    const drainOnce = (signal?: AbortSignal) =>
      d.limit(async () => {
        const result = await drainer.drainOnce(signal);
        // Dynatrace asked to wait (429/503 with a time): asking it for problems now would not help.
        if (result.retryNotBefore === undefined) await problems?.drainOnce(signal);
        return result;
      });
    return {
      problems,
      env,
      fingerprint: fingerprint(env),
      view: {
        environment: env.name,
        store,
        retainZeroMs: env.windowMs,
        up: () => drainer.up(),
        ...(extra.staticText ? { staticLabels: extra.staticText } : {}),
        ...(env.apiVersion === "v2" && env.dimensions?.includes("management_zone") ? { perZone: true } : {}),
      },
      drainer,
      client,
      loop: new DrainLoop({ drainOnce }, env.drainIntervalMs, d.clock),
      drainOnce,
    };
  }
}

/** The settings as text; a token read from a file is left out: its client follows the file itself. */
function fingerprint(env: EnvironmentConfig): string {
  return JSON.stringify({
    ...env,
    token: env.tokenFile ? undefined : env.token,
    ingestToken: env.ingestTokenFile ? undefined : env.ingestToken,
  });
}
