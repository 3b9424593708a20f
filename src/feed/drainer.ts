import type { EnvironmentConfig } from "../config/types.js";
import type { DynatraceClient } from "../dynatrace/client.js";
import { DynatraceError, DynatraceHttpError, type FailureReason } from "../dynatrace/errors.js";
import type { FeedEvent, SkipCounts } from "../dynatrace/feed-event.js";
import type { Logger } from "../log/logger.js";
import type { FeedMetrics } from "../metrics/feed-metrics.js";
import type { EventStore } from "./event-store.js";
import { DrainHealth } from "./drain-health.js";
import { feedPages } from "./feed-pages.js";
import { DrainSkips, reportSkipped } from "./skipped-events.js";

/** What the health endpoints and the landing page show about one environment's drains. */
export interface DrainStatus {
  environment: string;
  succeededOnce: boolean;
  lastSuccessAt: number | undefined;
  lastAttemptAt: number | undefined;
  /** `status`: the HTTP status when Dynatrace (or a proxy) answered; pages show it, not the text. */
  lastError: { reason: FailureReason; message: string; at: number; status?: number } | undefined;
  eventsTracked: number;
  /** Last sign of life: a successful drain's end or a page of the drain in progress. */
  lastProgressAt: number | undefined;
  /** No sign of life for DRAIN_INTERVAL + HTTP_TIMEOUT ({@link DrainHealth}); `dynatrace_up` is 0. */
  overdue: boolean;
  /** Room the event store holds: event slots and index places (follows the store down too). */
  capacity: { slots: number; indexSlots: number };
  /** Label sets held now (live ones plus zeros still retained). */
  labelSets: number;
}

/** Everything a {@link FeedDrainer} works with, handed in by the composition root. */
export interface DrainerDeps {
  env: EnvironmentConfig;
  client: DynatraceClient;
  store: EventStore;
  metrics: FeedMetrics;
  logger: Logger;
  clock: () => number;
  /** Process start (ms): events that started before it and are seen by the first drain are baseline. */
  startedAt: number;
  /** One request's time budget (HTTP_TIMEOUT): with the interval, when a drain is overdue. */
  requestBudgetMs?: number;
}

/** Outcome of one drain. `retryNotBefore` is set when the server asked us to wait that long. */
export interface DrainResult {
  ok: boolean;
  retryNotBefore?: number;
}

/**
 * Drains one environment's events feed into its {@link EventStore}. The first drain and every
 * RESYNC_INTERVAL re-read the whole window (removing what the server no longer returns); the
 * others read from the last successful drain's end minus DRAIN_OVERLAP. A failed drain keeps the
 * store's values and does not move the position, so the next drain re-reads what it missed.
 */
export class FeedDrainer {
  private position: number | undefined;
  private lastFullAt = Number.NEGATIVE_INFINITY;
  private generation = 0;
  private readonly include: Set<string>;
  private readonly exclude: Set<string>;
  private readonly filtering: boolean;
  private readonly state: Omit<DrainStatus, "lastProgressAt" | "overdue" | "capacity" | "labelSets">;
  private readonly health: DrainHealth;

  constructor(private readonly deps: DrainerDeps) {
    this.include = new Set(deps.env.eventTypes);
    this.exclude = new Set(deps.env.excludeEventTypes);
    this.filtering = this.include.size > 0 || this.exclude.size > 0;
    this.state = {
      environment: deps.env.name,
      succeededOnce: false,
      lastSuccessAt: undefined,
      lastAttemptAt: undefined,
      lastError: undefined,
      eventsTracked: 0,
    };
    this.health = new DrainHealth(deps.clock, deps.env.drainIntervalMs + (deps.requestBudgetMs ?? 30_000));
    deps.metrics.initEnvironment(deps.env.name, deps.env.drainIntervalMs);
  }

  /** A snapshot of the drain state. */
  status(): DrainStatus {
    const { store } = this.deps;
    return {
      ...this.state,
      eventsTracked: store.size,
      lastProgressAt: this.health.lastProgress,
      overdue: this.health.overdue(),
      capacity: store.capacity,
      labelSets: store.labelSets.live,
    };
  }

  /** `dynatrace_up` now: 1 while the last drain succeeded and none is overdue ({@link DrainHealth}). */
  up(): number {
    return this.health.up();
  }

  /** Runs one drain; never throws (failures are counted, logged and returned). */
  async drainOnce(signal?: AbortSignal): Promise<DrainResult> {
    const { env, metrics, clock, logger } = this.deps;
    const environment = env.name;
    const now = clock();
    const full = this.position === undefined || now - this.lastFullAt >= env.resyncIntervalMs;
    const from = full
      ? now - env.windowMs
      : Math.max((this.position as number) - env.overlapMs, now - env.windowMs);
    const generation = ++this.generation;
    const stopTimer = metrics.drainDuration.startTimer({ environment });
    this.state.lastAttemptAt = now;
    const skipped = new DrainSkips();
    try {
      const seen = await this.readInto({ from, to: now, generation, full }, skipped, signal);
      if (full) {
        this.deps.store.sweepAndEvict(generation, from, now - env.windowMs);
        this.lastFullAt = now;
      } else {
        this.deps.store.evictEndedBefore(now - env.windowMs);
      }
      this.position = now;
      if (!this.state.succeededOnce) this.logFirstDrain(seen.events, clock() - now);
      this.recordSuccess(clock());
      logger.debug(
        { environment, full, from, to: now, ...seen, tracked: this.deps.store.size },
        "drain finished",
      );
      return { ok: true };
    } catch (err) {
      return this.recordFailure(err);
    } finally {
      stopTimer();
      this.afterDrain(skipped.total());
    }
  }

  /** Reports skipped events; lets memory follow the store down (a lying count's reservation,
   * expired events, idle label sets), whether the drain succeeded or not. */
  private afterDrain(skipped: SkipCounts): void {
    const { env, metrics, logger, store } = this.deps;
    reportSkipped(skipped, env.name, metrics, logger);
    store.compactIfSparse();
    store.releaseIdleLabelSets(env.windowMs);
  }

  /**
   * Reads the range into the store. A full read applies page by page (its sweep only runs on
   * success, and staging a million events would double peak memory); an incremental read is small,
   * so it is staged and applied only once every page has arrived: a drain that fails midway
   * changes nothing.
   */
  private async readInto(
    range: { from: number; to: number; generation: number; full: boolean },
    skipped: DrainSkips,
    signal?: AbortSignal,
  ) {
    const { env } = this.deps;
    const staged: FeedEvent[] = [];
    let events = 0;
    let pages = 0;
    for await (const page of feedPages(env, this.deps.client, range, signal)) {
      pages++;
      this.health.progressed();
      if (pages === 1 && range.full && page.total !== undefined) this.deps.store.reserve(page.total);
      skipped.add(page);
      for (const ev of page.events) {
        if (this.filtering && !this.counts(ev.eventType)) continue;
        events++;
        if (range.full) this.apply(ev, range.generation);
        else staged.push(ev);
      }
    }
    for (const ev of staged) this.apply(ev, range.generation);
    return { pages, events };
  }

  /** Whether EVENT_TYPES / EXCLUDE_EVENT_TYPES let this event type be counted. */
  private counts(eventType: string): boolean {
    return !this.exclude.has(eventType) && (this.include.size === 0 || this.include.has(eventType));
  }

  private apply(ev: FeedEvent, generation: number): void {
    const { store, startedAt } = this.deps;
    const newIn = store.upsert(ev, generation);
    // Events already in the window when the process started are the baseline, not observations.
    if (newIn >= 0 && (this.state.succeededOnce || ev.startTime >= startedAt)) store.markObserved(newIn);
  }

  /** The first successful drain, once per environment: proof that the whole path works. */
  private logFirstDrain(read: number, ms: number): void {
    const { env, logger, store } = this.deps;
    let open = 0;
    store.forEachCount(0, (_set, _labels, status, n) => {
      if (status === "OPEN") open += n;
    });
    logger.info(
      { environment: env.name, events: read, open, tracked: store.size, durationMs: ms },
      `first drain succeeded: ${read} events read, ${open} open now, in ${ms} ms`,
    );
  }

  private recordSuccess(at: number): void {
    const { metrics, env, logger } = this.deps;
    if (this.state.lastError && this.state.succeededOnce) {
      logger.info({ environment: env.name }, "drains recovered");
    }
    this.state.succeededOnce = true;
    this.state.lastSuccessAt = at;
    this.health.finished(true);
    this.state.lastError = undefined;
    metrics.up.set({ environment: env.name }, 1);
    metrics.lastSuccess.set({ environment: env.name }, at / 1000);
  }

  private recordFailure(err: unknown): DrainResult {
    const { metrics, env, logger, clock } = this.deps;
    const reason: FailureReason = err instanceof DynatraceError ? err.reason : "network";
    const message = err instanceof Error ? err.message : String(err);
    metrics.up.set({ environment: env.name }, 0);
    this.health.finished(false);
    if (reason === "aborted") return { ok: false };
    metrics.drainErrors.inc({ environment: env.name, reason });
    const status = err instanceof DynatraceHttpError ? err.status : undefined;
    // Logged once when drains turn to failing or the reason changes; repeats of the same reason
    // go to debug (dynatrace_drain_errors_total counts them all), and "drains recovered" ends it.
    const repeat = this.state.lastError?.reason === reason;
    const level = repeat ? "debug" : reason === "unauthorized" || reason === "forbidden" ? "error" : "warn";
    this.state.lastError = { reason, message, at: clock(), ...(status ? { status } : {}) };
    logger[level]({ environment: env.name, reason }, `drain failed: ${message}`);
    const wait = err instanceof DynatraceHttpError ? err.retryAfterMs : undefined;
    return wait === undefined ? { ok: false } : { ok: false, retryNotBefore: clock() + wait };
  }
}
