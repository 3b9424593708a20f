import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { FailureReason } from "../dynatrace/errors.js";
import { type OutboxGauges, RELAY_SOURCES } from "./relay-view.js";

/** Outcomes of an alarm posted to the relay. */
export type IntakeOutcome = "accepted" | "duplicate" | "rejected";

const OUTCOMES: readonly IntakeOutcome[] = ["accepted", "duplicate", "rejected"];

/**
 * The relay's metrics. Queue depth and oldest age are read from the outbox at scrape time.
 */
export class RelayMetrics {
  readonly received: Counter<"environment" | "source" | "outcome">;
  readonly delivered: Counter<"environment">;
  readonly failures: Counter<"environment" | "reason">;
  readonly deadLetters: Counter<"environment">;
  readonly deliveryDuration: Histogram<"environment">;
  readonly authFailures: Counter;
  readonly deadLettersReplayed: Counter<"environment">;
  readonly deadLettersPurged: Counter<"environment">;
  readonly upstreamUp: Gauge<"environment">;
  readonly concurrency: Gauge<"environment">;
  readonly inFlight: Gauge<"environment">;
  readonly outboxErrors: Counter<"environment">;

  constructor(
    registry: Registry,
    outbox: () => OutboxGauges | undefined,
    environments: string[],
    clock: () => number,
  ) {
    const registers = [registry];
    this.received = new Counter({
      name: "dynatrace_relay_received_total",
      help: "Alarms posted to the relay, by target environment (unknown when refused before it was known), input format and outcome (accepted: queued durably; duplicate: same key within RELAY_DEDUPE_WINDOW; rejected: invalid or unauthorised).",
      labelNames: ["environment", "source", "outcome"] as const,
      registers,
    });
    this.delivered = new Counter({
      name: "dynatrace_relay_delivered_total",
      help: "Relayed alarms Dynatrace accepted.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.failures = new Counter({
      name: "dynatrace_relay_delivery_failures_total",
      help: "Failed delivery attempts, by reason (the client's failure reasons, plus item_rejected for a v2 ingest item whose status is not OK); retried ones included.",
      labelNames: ["environment", "reason"] as const,
      registers,
    });
    this.deadLetters = new Counter({
      name: "dynatrace_relay_dead_letters_total",
      help: "Alarms given up on and moved to the dead-letter table: a verdict about the alarm (400, 413, other 4xx but 401/403/404/407/408/429, a v2 item status other than OK) or RELAY_MAX_AGE reached (reason expired). Environment-level failures never dead-letter.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.deliveryDuration = new Histogram({
      name: "dynatrace_relay_delivery_duration_seconds",
      help: "Time from an alarm's acceptance to its delivery to Dynatrace, retries included.",
      labelNames: ["environment"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.authFailures = new Counter({
      name: "dynatrace_relay_auth_failures_total",
      help: "Relay requests with a missing or wrong token. After 10 from one address within a minute, that address gets 429 until the minute is over.",
      registers,
    });
    this.upstreamUp = new Gauge({
      name: "dynatrace_relay_upstream_up",
      help: "1 when the last delivery attempt reached Dynatrace and it accepted or judged the alarm; 0 while the environment refuses (401, 403, 404, 407, 408, 429, 5xx, a 2xx that is not the documented answer) or is unreachable (DNS, connection, TLS, proxy). While 0, delivery pauses and retries with backoff; nothing is dead-lettered for it.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.concurrency = new Gauge({
      name: "dynatrace_relay_delivery_concurrency",
      help: "Deliveries allowed in flight at once for the environment: RELAY_CONCURRENCY, halved on 429 and grown back by one per that many successes (AIMD). One probe at a time while the upstream is down.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.inFlight = new Gauge({
      name: "dynatrace_relay_deliveries_in_flight",
      help: "Delivery attempts waiting for Dynatrace's answer.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.outboxErrors = new Counter({
      name: "dynatrace_relay_outbox_errors_total",
      help: "Outbox reads or writes by the sender that failed (disk, corruption); delivery for the environment pauses 5 s after each, nothing is re-sent for it.",
      labelNames: ["environment"] as const,
      registers,
    });
    new Gauge({
      name: "dynatrace_relay_queue_depth",
      help: "Alarms accepted and waiting for delivery.",
      labelNames: ["environment"] as const,
      registers,
      collect() {
        const o = outbox();
        for (const environment of environments) this.set({ environment }, o?.depth(environment) ?? 0);
      },
    });
    new Gauge({
      name: "dynatrace_relay_queue_oldest_age_seconds",
      help: "Age of the oldest alarm waiting for delivery; 0 when none waits.",
      labelNames: ["environment"] as const,
      registers,
      collect() {
        const o = outbox();
        for (const environment of environments) {
          let oldest: number | undefined;
          try {
            oldest = o?.oldestCreatedAt(environment);
          } catch {
            continue; // A damaged page: the scrape goes on with the last value (see OutboxReadError).
          }
          this.set({ environment }, oldest === undefined ? 0 : Math.max(0, clock() - oldest) / 1000);
        }
      },
    });
    new Gauge({
      // Not `dynatrace_relay_dead_letters`: in OpenMetrics that is the family name of the counter
      // dynatrace_relay_dead_letters_total, and one name cannot hold two families.
      name: "dynatrace_relay_dead_letters_held",
      help: "Dead letters in the outbox now, counted from the file at scrape time (so right after a restart): alarms given up on and not yet replayed or purged. Alert on this, not on the counter.",
      labelNames: ["environment"] as const,
      registers,
      collect() {
        const o = outbox();
        for (const environment of environments) {
          try {
            this.set({ environment }, o?.deadLetters(environment) ?? 0);
          } catch {
            continue; // A damaged page: the scrape goes on with the last value (see OutboxReadError).
          }
        }
      },
    });
    for (const environment of environments) {
      for (const source of RELAY_SOURCES)
        for (const outcome of OUTCOMES) this.received.inc({ environment, source, outcome }, 0);
      this.delivered.inc({ environment }, 0);
      this.deadLetters.inc({ environment }, 0);
      this.outboxErrors.inc({ environment }, 0);
      this.upstreamUp.set({ environment }, 1);
    }
    this.deadLettersReplayed = new Counter({
      name: "dynatrace_relay_dead_letters_replayed_total",
      help: "Dead letters put back at the end of the queue by this process (POST /-/dead-letters/replay). Replays by the dead-letters CLI are logged by the CLI, not counted here.",
      labelNames: ["environment"] as const,
      registers,
    });
    this.deadLettersPurged = new Counter({
      name: "dynatrace_relay_dead_letters_purged_total",
      help: "Dead letters deleted by this process (POST /-/dead-letters/purge). Purges by the dead-letters CLI are logged by the CLI, not counted here.",
      labelNames: ["environment"] as const,
      registers,
    });
    for (const environment of environments) {
      this.deadLettersReplayed.inc({ environment }, 0);
      this.deadLettersPurged.inc({ environment }, 0);
    }
    new Gauge({
      name: "dynatrace_relay_outbox_lost_alarms",
      help: "Alarms the outbox marker file says were queued that the outbox no longer held at start (missing, emptied, damaged or replaced file); 0 normally. Those alarms are lost unless restored from backup.",
      registers,
      collect() {
        this.set(outbox()?.opened.lostAlarms ?? 0);
      },
    });
    new Gauge({
      name: "dynatrace_relay_outbox_recovered_alarms",
      help: "Queued alarms and dead letters copied out of a damaged outbox file at start (the damaged file is kept beside it as relay-outbox.sqlite.corrupt-<time>); 0 when the file was sound.",
      registers,
      collect() {
        const s = outbox()?.opened.salvage;
        this.set(s ? s.queued + s.deadLetters : 0);
      },
    });
  }

  /** Counts a failed attempt. */
  failure(environment: string, reason: FailureReason | "item_rejected"): void {
    this.failures.inc({ environment, reason });
  }
}
