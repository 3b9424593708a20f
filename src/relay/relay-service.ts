import type { RelayConfig } from "../config/types.js";
import type { RelayMetrics } from "../metrics/relay-metrics.js";
import type { InputSource, MappingDefaults, OutboundAlarm } from "./alarm.js";
import { type EnqueueResult, type Outbox, OutboxUnavailableError } from "./outbox.js";
import type { RelaySender } from "./sender.js";

/** What the HTTP layer asks of the relay. */
export interface Relay {
  readonly config: RelayConfig;
  /** Environment names alarms can target; the first is the default. */
  readonly environments: string[];
  readonly defaults: MappingDefaults;
  /** True when inbound tokens are configured or anonymous access is allowed. */
  readonly enabled: boolean;
  /** Durably queues alarms for the environment. Throws {@link OutboxUnavailableError} (503). */
  accept(environment: string, source: InputSource, alarms: OutboundAlarm[]): EnqueueResult;
  /** Counts a rejected post. */
  rejected(source: InputSource): void;
  /** Counts a failed authentication. */
  authFailed(): void;
}

/**
 * The relay's core: queues accepted alarms in the outbox, counts outcomes, and wakes the
 * environment's sender. Constructed by the composition root with an open outbox, or without one
 * when the relay is not configured.
 */
export class RelayService implements Relay {
  readonly defaults: MappingDefaults;

  constructor(
    readonly config: RelayConfig,
    readonly environments: string[],
    private readonly outbox: Outbox | undefined,
    private readonly senders: Map<string, RelaySender>,
    private readonly metrics: RelayMetrics,
  ) {
    this.defaults = { eventType: config.eventType, source: config.source, tag: config.tag };
  }

  get enabled(): boolean {
    return this.outbox !== undefined;
  }

  accept(environment: string, source: InputSource, alarms: OutboundAlarm[]): EnqueueResult {
    if (!this.outbox) throw new OutboxUnavailableError("relay is not configured");
    const result = this.outbox.enqueue(environment, alarms);
    this.metrics.received.inc({ source, outcome: "accepted" }, result.accepted);
    this.metrics.received.inc({ source, outcome: "duplicate" }, result.duplicates);
    if (result.accepted > 0) this.senders.get(environment)?.wake();
    return result;
  }

  rejected(source: InputSource): void {
    this.metrics.received.inc({ source, outcome: "rejected" });
  }

  authFailed(): void {
    this.metrics.authFailures.inc();
  }
}
