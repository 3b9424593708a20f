import { Counter, Gauge, type Registry } from "prom-client";

/** How a resolved alert's close ended (the `outcome` label of the closes counter). */
export type CloseOutcome = "closed" | "already_closed" | "not_found" | "held" | "expired";

const OUTCOMES: readonly CloseOutcome[] = ["closed", "already_closed", "not_found", "held", "expired"];
/** Failure reasons whose series exist from the start (others appear when they happen). */
const REASONS = ["unauthorized", "forbidden", "rate_limited", "server_error", "timeout", "network"];

/**
 * The problem lifecycle's metrics, per environment: alerts kept open, refreshes, closes by
 * outcome, failed Problems API calls, and whether that API answers. Series exist from the start
 * (at 0) so dashboards and `increase()` see the first change.
 */
export class LifecycleMetrics {
  readonly refreshes: Counter<"environment">;
  readonly closes: Counter<"environment" | "outcome">;
  readonly closeFailures: Counter<"environment" | "reason">;
  readonly stoppedElsewhere: Counter<"environment">;
  readonly superseded: Counter<"environment">;
  readonly problemsApiUp: Gauge<"environment">;

  constructor(registry: Registry, environments: string[], kept: () => Map<string, number> | undefined) {
    const registers = [registry];
    new Gauge({
      name: "dynatrace_relay_alerts_kept_open",
      help: "Firing alerts whose problem-opening event this replica keeps open by refreshing it (RELAY_PROBLEM_REFRESH).",
      labelNames: ["environment"] as const,
      registers,
      collect() {
        let counts: Map<string, number> | undefined;
        try {
          counts = kept();
        } catch {
          return; // An unreadable outbox: the sender reports it; the scrape goes on.
        }
        for (const environment of environments) this.set({ environment }, counts?.get(environment) ?? 0);
      },
    });
    this.refreshes = new Counter({
      name: "dynatrace_relay_problem_refreshes_total",
      help: "Re-sends of a firing alert's unchanged event queued to keep it (and its problem) open.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.closes = new Counter({
      name: "dynatrace_relay_problem_closes_total",
      help: "Resolved alerts whose close finished, by outcome: closed (Problems API close 200), already_closed (204), not_found (no open problem held the alert's event within 5 minutes), held (another open event holds the problem: left to time out), expired (could not close within RELAY_MAX_AGE).",
      labelNames: ["environment", "outcome"] as const,
      registers,
    });
    this.closeFailures = new Counter({
      name: "dynatrace_relay_problem_close_failures_total",
      help: "Failed Problems API look-ups or closes for resolved alerts, by reason (forbidden: the token lacks problems.read/problems.write); each is retried with backoff up to RELAY_MAX_AGE.",
      labelNames: ["environment", "reason"] as const,
      registers,
    });
    this.stoppedElsewhere = new Counter({
      name: "dynatrace_relay_problem_refresh_stops_total",
      help: "Firing alerts this replica stopped refreshing because their problem was closed after its last refresh (resolved on another replica, or closed by hand).",
      labelNames: ["environment"] as const,
      registers,
    });
    this.superseded = new Counter({
      name: "dynatrace_relay_superseded_firings_total",
      help: "Agents' problem-opening events sent as info events (CUSTOM_INFO, property alert.superseded_by=resolve) because their alert's problem was closed after they were queued: the resolve was acted on (here or on another replica), so they must not reopen it.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.problemsApiUp = new Gauge({
      name: "dynatrace_relay_problems_api_up",
      help: "1 when the last Problems API call of the lifecycle succeeded, 0 while it fails (403: the token lacks problems.read/problems.write, so resolved alerts' events time out instead of closing).",
      labelNames: ["environment"] as const,
      registers,
    });
    for (const environment of environments) {
      this.refreshes.inc({ environment }, 0);
      for (const outcome of OUTCOMES) this.closes.inc({ environment, outcome }, 0);
      for (const reason of REASONS) this.closeFailures.inc({ environment, reason }, 0);
      this.stoppedElsewhere.inc({ environment }, 0);
      this.superseded.inc({ environment }, 0);
      this.problemsApiUp.set({ environment }, 1);
    }
  }
}
