import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { FailureReason } from "../dynatrace/errors.js";
import { SKIP_REASONS } from "../dynatrace/feed-event.js";
import { createLogger, type Logger } from "../log/logger.js";
import { EventFamilies } from "./event-families.js";
import type { FeedView } from "./feed-view.js";
import { ProblemFamilies } from "./problem-families.js";
import type { ProblemsView } from "./problem-view.js";
import { SeriesFolds } from "./series-cap.js";
import type { TextFamily } from "./text-family.js";

/** Every reason pre-created at 0, so `increase()` sees the first failure of each kind. */
export const FAILURE_REASONS: readonly FailureReason[] = [
  "unauthorized",
  "forbidden",
  "rate_limited",
  "server_error",
  "client_error",
  "timeout",
  "network",
  "tls",
  "proxy",
  "malformed_response",
  "response_too_large",
  "paging_loop",
];

/**
 * The feed exporter's metrics, registered on the given registry, plus the per-label-set families
 * in {@link families} (rendered by {@link EventFamilies}). Gauges describing current state are
 * computed from the stores at scrape time; nothing here calls the Dynatrace API.
 */
export class FeedMetrics {
  /**
   * `dynatrace_events` and `dynatrace_events_observed_total`, the problem families and
   * `dynatrace_series_folded_total`, rendered outside prom-client (the last two only once they
   * have something to say: the default exposition is unchanged by them).
   */
  readonly families: TextFamily[];
  /** The series cap's bookkeeping and its counter. */
  readonly folds: SeriesFolds;
  readonly up: Gauge<"environment">;
  readonly lastSuccess: Gauge<"environment">;
  readonly drainDuration: Histogram<"environment">;
  readonly drainErrors: Counter<"environment" | "reason">;
  readonly apiRequests: Counter<"environment" | "endpoint" | "code">;
  readonly drainInterval: Gauge<"environment">;
  readonly eventsSkipped: Counter<"environment" | "reason">;

  constructor(
    registry: Registry,
    views: () => Iterable<FeedView>,
    more: { problems?: () => Iterable<ProblemsView>; logger?: Logger } = {},
  ) {
    const registers = [registry];
    this.folds = new SeriesFolds(more.logger ?? createLogger("silent"));
    this.families = [new EventFamilies(views), new ProblemFamilies(more.problems ?? (() => [])), this.folds];
    new Gauge({
      name: "dynatrace_events_tracked",
      help: "Distinct events held in memory for the window (all label sets together).",
      labelNames: ["environment"] as const,
      registers,
      collect() {
        this.reset();
        for (const v of views()) this.set({ environment: v.environment }, v.store.size);
      },
    });
    this.up = new Gauge({
      name: "dynatrace_up",
      help: "1 if the last drain of the environment's events feed succeeded and none is overdue, else 0. Overdue: no successful drain and no page for DRAIN_INTERVAL + HTTP_TIMEOUT (a hung or trickling request).",
      labelNames: ["environment"] as const,
      registers,
      collect() {
        for (const v of views()) if (v.up) this.set({ environment: v.environment }, v.up());
      },
    });
    this.eventsSkipped = new Counter({
      name: "dynatrace_events_skipped_total",
      help: "Events of feed pages that were not counted because they were unusable (reason: not_an_object, missing_id, invalid_id, invalid_start_time; legacy_millisecond: events of one millisecond of a legacy v1 server that no documented filter reaches); each costs only itself and is counted at every drain that reads it.",
      labelNames: ["environment", "reason"] as const,
      registers,
    });
    this.lastSuccess = new Gauge({
      name: "dynatrace_last_drain_success_timestamp_seconds",
      help: "Unix time of the end of the last successful drain.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.drainDuration = new Histogram({
      name: "dynatrace_drain_duration_seconds",
      help: "Duration of drains of the events feed, successful or not, retries included.",
      labelNames: ["environment"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.drainErrors = new Counter({
      name: "dynatrace_drain_errors_total",
      help: "Failed drains by reason (unauthorized, forbidden, rate_limited, server_error, client_error, timeout, network, malformed_response, paging_loop).",
      labelNames: ["environment", "reason"] as const,
      registers,
    });
    this.drainInterval = new Gauge({
      name: "dynatrace_drain_interval_seconds",
      help: "The configured DRAIN_INTERVAL, so that alert rules can say 'no success for 3 intervals'.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.apiRequests = new Counter({
      name: "dynatrace_api_requests_total",
      help: "HTTP requests made to the Dynatrace API, retries included, by endpoint and status code (timeout or network_error when no answer came).",
      labelNames: ["environment", "endpoint", "code"] as const,
      registers,
    });
  }

  /** Drops every series of an environment that is no longer drained (after a reload). */
  async removeEnvironment(environment: string): Promise<void> {
    this.folds.removeEnvironment(environment);
    const metrics = [
      this.up,
      this.lastSuccess,
      this.drainDuration,
      this.drainErrors,
      this.apiRequests,
      this.drainInterval,
      this.eventsSkipped,
    ];
    for (const m of metrics) {
      const { values } = await m.get();
      const gone = new Set<string>();
      for (const v of values) {
        if (v.labels.environment !== environment) continue;
        // Histogram samples carry `le`; the series is named by the other labels.
        const labels: Record<string, string | number> = { ...v.labels };
        delete labels.le;
        const key = JSON.stringify(labels);
        if (gone.has(key)) continue;
        gone.add(key);
        (m as unknown as { remove(l: Record<string, string | number>): void }).remove(labels);
      }
    }
  }

  /** Creates the environment's series at their initial values, before its first drain. */
  initEnvironment(environment: string, drainIntervalMs: number): void {
    this.up.set({ environment }, 0);
    this.drainInterval.set({ environment }, drainIntervalMs / 1000);
    this.drainDuration.zero({ environment });
    for (const reason of FAILURE_REASONS) this.drainErrors.inc({ environment, reason }, 0);
    for (const reason of SKIP_REASONS) this.eventsSkipped.inc({ environment, reason }, 0);
  }
}
