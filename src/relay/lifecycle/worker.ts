import type { DynatraceClient } from "../../dynatrace/client.js";
import { DynatraceError } from "../../dynatrace/errors.js";
import { listProblems, type ProblemSummary } from "../../dynatrace/problems.js";
import type { Logger } from "../../log/logger.js";
import type { LifecycleMetrics } from "../../metrics/lifecycle-metrics.js";
import type { OutboundAlarm } from "../alarm.js";
import type { Outbox } from "../outbox.js";
import { Waker } from "../waker.js";
import { closeResolved, failed } from "./closer.js";
import type { WorkerContext } from "./context.js";
import { closedSince, problemsOf, timeoutMargin } from "./matching.js";
import type { LifecycleSettings } from "../../config/lifecycle.js";
import { LOOKUP_SPAN_MS, type SendCheck } from "./send-check.js";
import type { KeptAlert, LifecycleStore } from "./store.js";

/** Everything one environment's {@link LifecycleWorker} works with. */
export interface LifecycleWorkerDeps {
  environment: string;
  store: LifecycleStore;
  outbox: Outbox;
  client: DynatraceClient;
  metrics: LifecycleMetrics;
  logger: Logger;
  clock: () => number;
  settings: LifecycleSettings;
  maxAgeMs: number;
  /** Wakes the environment's sender after a refresh was queued. */
  wakeSender: () => void;
  /** The check before sends, which the refresh look-up serves for a few seconds. */
  sendCheck?: SendCheck;
  /** Longest sleep between looks at the tables (default 1 s). */
  tickMs?: number;
}

/** Dedupe keys of the refreshes the worker queues start with this. */
const REFRESH_KEY_PREFIX = "lc-refresh:";

/** Whether a queued alarm is a refresh the lifecycle queued (not an agent's notification). */
export function isRefresh(dedupeKey: string): boolean {
  return dedupeKey.startsWith(REFRESH_KEY_PREFIX);
}

/** Wait before looking again when the look-up before a refresh failed. */
const CHECK_RETRY_MS = 60_000;

/**
 * One environment's problem lifecycle loop: closes the problems of resolved alerts (one look-up
 * of the open problems serves every due close), and refreshes the events of firing alerts this
 * replica keeps open, after a look-up that shows whether another replica closed the problem
 * since the last refresh (then it stops). It never throws out of its loop; every Dynatrace
 * answer is bounded and validated by the client and {@link listProblems}.
 */
export class LifecycleWorker {
  private readonly waker = new Waker();
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private stopping = false;
  private refusing = false;
  private failingTables = false;
  private readonly ctx: WorkerContext;

  constructor(private readonly deps: LifecycleWorkerDeps) {
    this.ctx = {
      ...deps,
      signal: this.abort.signal,
      apiAnswered: () => this.answered(),
      apiRefused: (reason, message) => this.refused(reason, message),
    };
  }

  /** Starts the loop. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Looks at the tables now (a resolve was stored). */
  wake(): void {
    this.waker.wake();
  }

  /** Stops the loop; a look-up or close in flight is aborted and retried at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.waker.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
        this.failingTables = false;
      } catch (err) {
        if (!this.failingTables) {
          this.deps.logger.error(
            { environment: this.deps.environment, err: (err as Error).message },
            "relay problem lifecycle cannot read or write its tables; retrying",
          );
        }
        this.failingTables = true;
      }
      await this.waker.sleep(this.deps.tickMs ?? 1000);
    }
  }

  /** One pass: due closes, then due refreshes. */
  private async tick(): Promise<void> {
    const { store, environment, clock } = this.deps;
    const now = clock();
    // A close waits until the alert's firing event (same identity) has left the outbox.
    const closes = store.dueCloses(environment, now).filter((c) => !store.queued(environment, c.identity));
    if (closes.length > 0) {
      const open = await this.lookup("open", now - LOOKUP_SPAN_MS);
      if (this.stopping) return;
      if (open instanceof Error) failed(this.ctx, closes, open);
      else await closeResolved(this.ctx, closes, open);
    }
    if (this.stopping) return;
    const due = store.dueAlerts(environment, clock());
    if (due.length > 0) await this.refreshAll(due);
  }

  private async refreshAll(due: KeptAlert[]): Promise<void> {
    const now = this.deps.clock();
    const timeoutMs = this.deps.settings.timeoutMinutes * 60_000;
    const open = await this.lookup("open", now - LOOKUP_SPAN_MS);
    const since = Math.min(...due.map((a) => a.lastSentAt)) - timeoutMargin(timeoutMs);
    const closed = open instanceof Error ? open : await this.lookup("closed", since);
    if (this.stopping) return;
    if (closed instanceof Error || open instanceof Error) {
      const err = closed instanceof Error ? closed : (open as Error);
      this.refused(err instanceof DynatraceError ? err.reason : "network", err.message);
      const blind =
        err instanceof DynatraceError && (err.reason === "forbidden" || err.reason === "unauthorized");
      for (const a of due) {
        // Without problems.read nothing can be learnt: keep the alert open. Otherwise look again
        // soon, and refresh unchecked only when the event would otherwise come close to timing out.
        if (blind || now >= a.lastSentAt + timeoutMs / 2) await this.refresh(a, now);
        else this.deps.store.postpone(this.deps.environment, a.key, now + CHECK_RETRY_MS);
      }
      return;
    }
    this.answered();
    this.deps.sendCheck?.remember({ at: now, closedFrom: since, open, closed });
    for (const a of due) {
      const ref = { ...a, correlationIds: this.deps.store.correlationIds(this.deps.environment, a.key) };
      if (problemsOf(open, ref).length === 0 && closedSince(closed, ref, a.lastSentAt, timeoutMs)) {
        this.deps.store.forget(this.deps.environment, a.key);
        this.deps.metrics.stoppedElsewhere.inc({ environment: this.deps.environment });
        this.deps.logger.info(
          { environment: this.deps.environment, alert: a.title },
          "relay stopped refreshing an alert whose problem was closed elsewhere",
        );
        continue;
      }
      await this.refresh(a, now);
    }
  }

  /** Queues the alert's unchanged event again (unless one is still queued) and books the next refresh. */
  private async refresh(a: KeptAlert, now: number): Promise<void> {
    const { store, environment, settings } = this.deps;
    if (!store.queued(environment, a.identity)) {
      const alarm: OutboundAlarm = {
        source: a.source as OutboundAlarm["source"],
        dedupeKey: `${REFRESH_KEY_PREFIX}${a.key}:${now}`,
        api: "v2",
        body: JSON.parse(a.body) as object,
        identity: a.identity,
      };
      await this.deps.outbox.enqueue(environment, [alarm]);
      this.deps.metrics.refreshes.inc({ environment });
      this.deps.wakeSender();
    }
    store.refreshed(environment, a.key, now + settings.refreshMs);
  }

  private async lookup(status: "open" | "closed", fromMs: number): Promise<ProblemSummary[] | Error> {
    try {
      return await listProblems(this.deps.client, { status, fromMs }, this.abort.signal);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private answered(): void {
    this.deps.metrics.problemsApiUp.set({ environment: this.deps.environment }, 1);
    if (!this.refusing) return;
    this.refusing = false;
    this.deps.logger.info(
      { environment: this.deps.environment },
      "relay Problems API answering again; resolved alerts close their problems",
    );
  }

  private refused(reason: string, message: string): void {
    this.deps.metrics.problemsApiUp.set({ environment: this.deps.environment }, 0);
    if (this.refusing) return;
    this.refusing = true;
    const scopes = reason === "forbidden" || reason === "unauthorized";
    this.deps.logger.warn(
      { environment: this.deps.environment, reason, err: message },
      scopes
        ? "relay cannot use the Problems API: give the ingest token the problems.read and problems.write scopes; until then resolved alerts' events time out (RELAY_PROBLEM_TIMEOUT) instead of closing their problems"
        : "relay Problems API look-up or close failed; retrying with backoff",
    );
  }
}
