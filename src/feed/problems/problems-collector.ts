import type { EnvironmentConfig } from "../../config/types.js";
import type { DynatraceClient } from "../../dynatrace/client.js";
import { DynatraceError, DynatraceHttpError } from "../../dynatrace/errors.js";
import { type FeedProblem, readProblems } from "../../dynatrace/problems-v2.js";
import type { Logger } from "../../log/logger.js";
import type { ExtraLabels } from "../../metrics/extra-labels.js";
import type { DurationCounts, ProblemsView } from "../../metrics/problem-view.js";
import type { LabelledProblem, ProblemStore } from "./problem-store.js";

/** How far back each drain asks for open problems (as the v2 events feed does for open events). */
export const PROBLEMS_OPEN_LOOKBACK_MS = 30 * 86_400_000;
/** After a 403 (no `problems.read`), the collector asks again this much later (or at a reload). */
export const SCOPE_RETRY_MS = 3_600_000;

/**
 * Whether the environment collects problems: `on`, or `auto` (the default) for environments that
 * read the v2 events feed (their token is a v2 token; v1 environments use a DataExport token).
 */
export function problemsOn(env: EnvironmentConfig): boolean {
  const mode = env.problems ?? "auto";
  return mode === "on" || (mode === "auto" && env.apiVersion === "v2");
}

/** What a {@link ProblemsCollector} works with. */
export interface ProblemsCollectorDeps {
  env: EnvironmentConfig;
  client: DynatraceClient;
  store: ProblemStore;
  extra: ExtraLabels;
  logger: Logger;
  clock: () => number;
  /** Process start: problems opened (or closed) before it and seen by the first drain are baseline. */
  startedAt: number;
}

/**
 * Drains one environment's problems (Problems API v2) into a {@link ProblemStore}, like the events
 * drainer: a full read of the window at first and every RESYNC_INTERVAL, else what changed since
 * the last drain minus DRAIN_OVERLAP; each drain also reads every open problem of the last 30 days
 * (`problemSelector=status("open")`). Pages are staged and applied only when all arrived. A 403
 * turns the collector off with one log line, retried hourly and at a reload.
 */
export class ProblemsCollector implements ProblemsView {
  readonly environment: string;
  readonly staticLabels: string;
  readonly perZone: boolean;
  private position: number | undefined;
  private lastFullAt = Number.NEGATIVE_INFINITY;
  private generation = 0;
  private succeededOnce = false;
  private lastOk = false;
  private missingScopeUntil: number | undefined;
  /** Why the last drain failed (not 403, not aborted), until one succeeds. */
  private failingFor: string | undefined;
  private stateChanges = 0;

  constructor(private readonly deps: ProblemsCollectorDeps) {
    this.environment = deps.env.name;
    this.staticLabels = deps.extra.staticText;
    this.perZone = (deps.env.dimensions ?? []).includes("management_zone");
  }

  get version(): number {
    return this.deps.store.version + this.stateChanges;
  }

  forEachSet(fn: (labels: string, open: number, closed: number, opened: number) => void): void {
    this.deps.store.forEachSet(fn);
  }

  forEachDuration(fn: (severityLevel: string, d: DurationCounts) => void): void {
    this.deps.store.forEachDuration(fn);
  }

  up(): number {
    return this.lastOk ? 1 : 0;
  }

  scopeMissing(): boolean {
    return this.missingScopeUntil !== undefined;
  }

  /** Asks again at the next drain even if the token lacked the scope (a reload: it may have changed). */
  retrySoon(): void {
    if (this.missingScopeUntil !== undefined) this.missingScopeUntil = Number.NEGATIVE_INFINITY;
  }

  /** Runs one drain of the problems; never throws (failures are logged and shown by `up`). */
  async drainOnce(signal?: AbortSignal): Promise<void> {
    const { env, clock } = this.deps;
    const now = clock();
    if (this.missingScopeUntil !== undefined && now < this.missingScopeUntil) return;
    const full = this.position === undefined || now - this.lastFullAt >= env.resyncIntervalMs;
    const from = full
      ? now - env.windowMs
      : Math.max((this.position as number) - env.overlapMs, now - env.windowMs);
    try {
      const staged = await this.read(from, now, signal);
      this.apply(staged, full, now);
    } catch (err) {
      this.failed(err, now);
    }
  }

  private async read(from: number, to: number, signal?: AbortSignal): Promise<FeedProblem[]> {
    const { client, env, extra } = this.deps;
    const staged: FeedProblem[] = [];
    const base = { to, dimensions: extra.active, maxPages: env.maxPages };
    for await (const page of readProblems(client, { ...base, from }, signal)) staged.push(...page.problems);
    const open = { ...base, from: to - PROBLEMS_OPEN_LOOKBACK_MS, onlyOpen: true };
    for await (const page of readProblems(client, open, signal)) staged.push(...page.problems);
    return staged;
  }

  private apply(staged: FeedProblem[], full: boolean, now: number): void {
    const { store, env, extra, startedAt, logger } = this.deps;
    const generation = ++this.generation;
    for (const problem of staged) {
      const labelled: LabelledProblem = {
        problem,
        extras: extra.active && problem.dimensions ? extra.texts(problem.dimensions) : [""],
      };
      const countNew = this.succeededOnce || problem.startTime >= startedAt;
      const observeClosure = this.succeededOnce || problem.endTime >= startedAt;
      store.upsert(labelled, generation, countNew, observeClosure);
    }
    store.settle(now, now - env.windowMs, env.windowMs, full ? generation : undefined);
    if (full) this.lastFullAt = now;
    this.position = now;
    if (this.missingScopeUntil !== undefined) {
      logger.info({ environment: env.name }, "problems collector on again: the token now has problems.read");
    }
    this.missingScopeUntil = undefined;
    if (this.failingFor !== undefined) logger.info({ environment: env.name }, "problems drains recovered");
    this.failingFor = undefined;
    this.succeededOnce = true;
    this.lastOk = true;
    this.stateChanges++;
  }

  private failed(err: unknown, now: number): void {
    const { env, logger, store } = this.deps;
    this.lastOk = false;
    this.stateChanges++;
    if (err instanceof DynatraceHttpError && err.status === 403) {
      this.failingFor = undefined;
      if (this.missingScopeUntil === undefined) {
        logger.warn(
          { environment: env.name },
          "problems collector off: Dynatrace answered 403 for /api/v2/problems (the token lacks the problems.read scope); events are not affected; asking again hourly and at a reload",
        );
        store.clear();
        this.position = undefined;
        this.succeededOnce = false;
      }
      this.missingScopeUntil = now + SCOPE_RETRY_MS;
      return;
    }
    if (err instanceof DynatraceError && err.reason === "aborted") return;
    const message = err instanceof Error ? err.message : String(err);
    const reason = err instanceof DynatraceError ? err.reason : "network";
    // As the event drains: once on turning to failing or on a new reason, repeats at debug
    // (dynatrace_problems_up says it meanwhile), "problems drains recovered" ends it.
    const level = this.failingFor === reason ? "debug" : "warn";
    this.failingFor = reason;
    logger[level]({ environment: env.name, reason }, `problems drain failed: ${message}`);
  }
}
