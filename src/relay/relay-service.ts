import type { RelayConfig } from "../config/types.js";
import type { Logger } from "../log/logger.js";
import type { RelayMetrics } from "../metrics/relay-metrics.js";
import type { InputSource, MappingDefaults, OutboundAlarm } from "./alarm.js";
import type { LifecycleIntake, LifecycleState } from "./lifecycle/intake.js";
import { intake, type IntakeReceipt } from "./intake.js";
import type { IntakeContext, IntakeFormat } from "./intake-formats.js";
import type { EnqueueResult, Outbox } from "./outbox.js";
import { OutboxUnavailableError } from "./outbox-errors.js";
import type { RelaySender } from "./sender.js";
import type { UpstreamStatus } from "./upstream-health.js";

/** What the HTTP layer asks of the relay. */
export interface Relay {
  readonly config: RelayConfig;
  /** Environment names alarms can target; the first is the default. */
  readonly environments: string[];
  readonly defaults: MappingDefaults;
  /** The mapping settings of one environment (its config-file overrides over `defaults`). */
  defaultsFor(environment: string): MappingDefaults;
  /** True when inbound tokens are configured or anonymous access is allowed. */
  readonly enabled: boolean;
  /**
   * The relay's intake: parses, maps, dedupes and queues a body of `format` (see `intake()`).
   * Throws the relay's typed errors (invalid alarm, outbox unavailable); never answers HTTP.
   */
  intake(format: IntakeFormat, body: unknown, context: IntakeContext): Promise<IntakeReceipt>;
  /** Durably queues alarms already mapped. Throws {@link OutboxUnavailableError}. */
  accept(environment: string, source: InputSource, alarms: OutboundAlarm[]): Promise<EnqueueResult>;
  /** Counts `n` (default 1) rejected alarms (`unknown` environment when refused before the target was known). */
  rejected(source: InputSource, environment: string, n?: number): void;
  /** Whether the relay can take alarms now: off, or on with an outbox that takes writes. */
  readiness(): RelayReadiness;
  /** Counts a failed authentication. */
  authFailed(): void;
  /** Queue state per environment, for the landing page; undefined when the relay is off. */
  summary(): RelayQueueState[] | undefined;
}

/** The relay role's readiness: `off` is ready (nothing to accept), `on` is ready when writable. */
export type RelayReadiness = { state: "off" } | { state: "on"; ok: boolean; reason?: string };

/** What the landing page shows of one environment's relay queue. */
export interface RelayQueueState {
  environment: string;
  queued: number;
  oldestCreatedAt: number | undefined;
  deadLetters: number;
  /** Alarms Dynatrace accepted in the last 60 seconds; undefined without a sender. */
  deliveredLastMinute?: number;
  /** Whether Dynatrace takes this environment's alarms now; undefined without a sender. */
  upstream?: UpstreamStatus;
  /** The problem lifecycle's alerts kept open and closes pending; undefined when it is off. */
  lifecycle?: LifecycleState;
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
    /** Per-environment mapping settings (from the config file) over the RELAY_* ones. */
    private readonly overrides: Map<string, Partial<MappingDefaults>> = new Map(),
    /** Where rejected alerts of a notification are logged (default: nowhere). */
    readonly logger?: Logger,
    /** The problem lifecycle's intake step (v2 upstream with RELAY_LIFECYCLE on). */
    private readonly lifecycle?: LifecycleIntake,
  ) {
    this.defaults = { eventType: config.eventType, source: config.source, tag: config.tag };
  }

  get apiVersion() {
    return this.config.apiVersion;
  }

  intake(format: IntakeFormat, body: unknown, context: IntakeContext): Promise<IntakeReceipt> {
    return intake(this, format, body, context);
  }

  defaultsFor(environment: string): MappingDefaults {
    const o = this.overrides.get(environment);
    return o ? { ...this.defaults, ...o } : this.defaults;
  }

  get enabled(): boolean {
    return this.outbox !== undefined;
  }

  async accept(environment: string, source: InputSource, alarms: OutboundAlarm[]): Promise<EnqueueResult> {
    if (!this.outbox) throw new OutboxUnavailableError("relay is not configured");
    const outbox = this.outbox;
    const result = this.lifecycle
      ? await this.lifecycle.accept(environment, alarms, (a, alongside) =>
          outbox.enqueue(environment, a, alongside),
        )
      : await outbox.enqueue(environment, alarms);
    const { received } = this.metrics;
    if (result.accepted > 0) received.inc({ environment, source, outcome: "accepted" }, result.accepted);
    if (result.duplicates > 0) received.inc({ environment, source, outcome: "duplicate" }, result.duplicates);
    if (result.accepted > 0) this.senders.get(environment)?.wake();
    return result;
  }

  rejected(source: InputSource, environment: string, n = 1): void {
    this.metrics.received.inc({ environment, source, outcome: "rejected" }, n);
  }

  readiness(): RelayReadiness {
    if (!this.outbox) return { state: "off" };
    const w = this.outbox.writable();
    return w.ok ? { state: "on", ok: true } : { state: "on", ok: false, reason: w.reason };
  }

  authFailed(): void {
    this.metrics.authFailures.inc();
  }

  summary(): RelayQueueState[] | undefined {
    const outbox = this.outbox;
    if (!outbox) return undefined;
    return this.environments.map((environment) => {
      const sender = this.senders.get(environment);
      const upstream = sender?.status();
      const lifecycle = this.lifecycle?.state(environment);
      return {
        environment,
        queued: outbox.depth(environment),
        oldestCreatedAt: orUndefined(() => outbox.oldestCreatedAt(environment)),
        deadLetters: orUndefined(() => outbox.deadLetters(environment)) ?? Number.NaN,
        ...(upstream ? { upstream } : {}),
        ...(sender ? { deliveredLastMinute: sender.deliveredLastMinute() } : {}),
        ...(lifecycle ? { lifecycle } : {}),
      };
    });
  }
}

/** A read of an outbox that may be unreadable (the page still renders; the sender reports it). */
function orUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
