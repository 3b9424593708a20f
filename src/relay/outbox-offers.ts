import type { DedupeWindow } from "./dedupe-window.js";
import type { BatchWriter, EnqueueResult, Offer } from "./group-commit.js";
import { OutboxUnavailableError } from "./outbox-errors.js";
import type { OutboxStatements } from "./outbox-schema.js";
import type { QueueDepths } from "./queue-depths.js";

type Outcome = EnqueueResult | OutboxUnavailableError;

/**
 * The outbox's side of a group commit: stores each offer within the environment's queue limit,
 * minus its duplicates, and moves the queue depths once the commit is on disk.
 */
export class OfferWriter implements BatchWriter {
  constructor(
    private readonly statements: Pick<OutboxStatements, "insert" | "remove">,
    private readonly dedupe: DedupeWindow,
    private readonly depths: QueueDepths,
    /** RELAY_QUEUE_LIMIT: alarms waiting per environment at most. */
    private readonly queueLimit: number,
    /** Runs `fn` in a savepoint of the commit's transaction: a throw undoes `fn`'s writes only. */
    private readonly savepoint: <T>(fn: () => T) => T,
  ) {}

  writeOffers(offers: readonly Offer[], now: number): Outcome[] {
    // Alarms stored by earlier offers of this batch count against the limit too.
    const added = new Map<string, number>();
    return offers.map((offer) => {
      const earlier = added.get(offer.environment) ?? 0;
      const outcome = this.storeWithAlongside(offer, now, this.depths.of(offer.environment) + earlier);
      if (!(outcome instanceof OutboxUnavailableError))
        added.set(offer.environment, earlier + outcome.accepted);
      return outcome;
    });
  }

  remove(id: number): void {
    this.statements.remove.run(id);
  }

  committed(offers: readonly Offer[], outcomes: readonly Outcome[], now: number): void {
    offers.forEach((offer, i) => {
      const outcome = outcomes[i];
      if (outcome && !(outcome instanceof OutboxUnavailableError))
        this.depths.add(offer.environment, outcome.accepted);
    });
    this.dedupe.pruneIfDue(now);
  }

  /** One offer and the writes that go with it, all or nothing; a failure refuses this offer only. */
  private storeWithAlongside(offer: Offer, now: number, depth: number): Outcome {
    const alongside = offer.alongside;
    if (!alongside) return this.store(offer, now, depth);
    try {
      return this.savepoint(() => {
        const outcome = this.store(offer, now, depth);
        if (!(outcome instanceof OutboxUnavailableError)) alongside();
        return outcome;
      });
    } catch (err) {
      return new OutboxUnavailableError(
        `relay outbox cannot store the alerts' problem lifecycle: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** One offer's part of a batch; a full queue refuses this offer only. */
  private store(offer: Offer, now: number, depth: number): Outcome {
    if (depth + offer.alarms.length > this.queueLimit) {
      return new OutboxUnavailableError(
        `relay queue for ${offer.environment} is full (${depth} alarms waiting)`,
      );
    }
    const ids: number[] = [];
    let duplicates = 0;
    for (const alarm of offer.alarms) {
      if (!this.dedupe.firstSeen(offer.environment, alarm.dedupeKey, now, alarm.state)) {
        duplicates++;
        continue;
      }
      const body = JSON.stringify(alarm.body);
      const info = this.statements.insert.run(
        offer.environment,
        alarm.source,
        alarm.dedupeKey,
        alarm.api,
        body,
        now,
        now,
        alarm.identity ?? null,
      );
      ids.push(Number(info.lastInsertRowid));
    }
    return { accepted: ids.length, duplicates, ids };
  }
}
