/**
 * What the relay's metrics read, declared here so that metrics/ depends on no layer above it: the
 * relay's outbox implements {@link OutboxGauges}, and the relay's input sources are the label
 * values below.
 */

/** Where an alarm came in: the `source` label values of `dynatrace_relay_received_total`. */
export const RELAY_SOURCES = ["netdata", "v1", "v2", "alertmanager", "grafana", "native"] as const;

/** One of {@link RELAY_SOURCES}. */
export type RelaySource = (typeof RELAY_SOURCES)[number];

/** What the relay's scrape-time gauges read of the outbox. Reads may throw on a damaged page. */
export interface OutboxGauges {
  /** Alarms waiting for delivery. */
  depth(environment: string): number;
  /** Acceptance time (ms) of the oldest waiting alarm; undefined when none waits. */
  oldestCreatedAt(environment: string): number | undefined;
  /** Dead letters held (in the dead-letter table now): a count of the file, so right after a restart. */
  deadLetters(environment: string): number;
  /** What opening the file found: alarms lost, alarms salvaged from a damaged file. */
  readonly opened: { lostAlarms: number; salvage?: { queued: number; deadLetters: number } };
}
