import type { Logger } from "../log/logger.js";
import type { RelayMetrics } from "../metrics/relay-metrics.js";
import {
  type DeadLetterFilter,
  isNarrowing,
  parseDeadLetterFilter,
  type RawDeadLetterFilter,
} from "./dead-letter-filter.js";
import type { CountsByEnvironment, DeadLetter, DeadLetterSummary } from "./dead-letters.js";
import { DeadLetterFilterError } from "./outbox-errors.js";
import type { Outbox } from "./outbox.js";

/** Most dead letters one list returns. */
export const MAX_LIST = 1000;

/** What the admin endpoints ask of the dead-letter table. */
export interface DeadLetterAdmin {
  /** Throws DeadLetterFilterError (400) for a bad filter or limit. */
  list(raw: RawDeadLetterFilter, limit?: unknown): { total: number; deadLetters: DeadLetterSummary[] };
  show(id: unknown): DeadLetter | undefined;
  replay(raw: RawDeadLetterFilter): { replayed: number; environments: CountsByEnvironment };
  /** Refuses (DeadLetterFilterError) a filter that narrows nothing unless `all` is true. */
  purge(raw: RawDeadLetterFilter, all: boolean): { purged: number; environments: CountsByEnvironment };
}

/**
 * Dead letters as the running server handles them: on the server's own connection, every replay
 * and purge counted (`dynatrace_relay_dead_letters_{replayed,purged}_total`) and logged at info,
 * the queue depths recounted and the senders of the environments concerned woken, so replayed
 * alarms go out without waiting for a poll.
 */
export class DeadLetterService implements DeadLetterAdmin {
  constructor(
    private readonly outbox: Outbox,
    private readonly metrics: RelayMetrics,
    private readonly logger: Logger,
    private readonly clock: () => number,
    private readonly wake: (environment: string) => void,
  ) {}

  list(raw: RawDeadLetterFilter, limit: unknown = 100) {
    const n = parseLimit(limit);
    const { total, items } = this.outbox.deadLetterTable().list(this.filter(raw), n);
    return { total, deadLetters: items };
  }

  show(id: unknown): DeadLetter | undefined {
    const filter = this.filter({ id });
    if (filter.id === undefined) throw new DeadLetterFilterError("id is required");
    return this.outbox.deadLetterTable().get(filter.id);
  }

  replay(raw: RawDeadLetterFilter) {
    const filter = this.filter(raw);
    const environments = this.outbox.deadLetterTable().replay(filter);
    this.outbox.recount();
    const replayed = this.record("replayed", filter, environments);
    for (const environment of Object.keys(environments)) this.wake(environment);
    return { replayed, environments };
  }

  purge(raw: RawDeadLetterFilter, all: boolean) {
    const filter = this.filter(raw);
    if (!all && !isNarrowing(filter)) {
      throw new DeadLetterFilterError("purge needs a filter (environment, since or id) or all=true");
    }
    const environments = this.outbox.deadLetterTable().purge(filter);
    return { purged: this.record("purged", filter, environments), environments };
  }

  private filter(raw: RawDeadLetterFilter): DeadLetterFilter {
    return parseDeadLetterFilter(raw, this.clock());
  }

  private record(action: "replayed" | "purged", filter: DeadLetterFilter, counts: CountsByEnvironment) {
    const counter = action === "replayed" ? this.metrics.deadLettersReplayed : this.metrics.deadLettersPurged;
    let total = 0;
    for (const [environment, n] of Object.entries(counts)) {
      counter.inc({ environment }, n);
      total += n;
    }
    this.logger.info(
      { action, filter, count: total, environments: counts, via: "http" },
      `dead letters ${action}`,
    );
    return total;
  }
}

/** Parses a list limit: 1 to {@link MAX_LIST}. */
export function parseLimit(value: unknown): number {
  const text = String(value);
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > MAX_LIST) {
    throw new DeadLetterFilterError(`limit must be a whole number from 1 to ${MAX_LIST}`);
  }
  return Number(text);
}
