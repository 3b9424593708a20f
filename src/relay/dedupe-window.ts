import type { OutboxStatements } from "./outbox-schema.js";

/** How often keys older than the window are deleted. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The keys of recently accepted alarms, in the outbox's `recent_keys` table: an alarm whose key
 * was accepted within the window is a duplicate. The keys are written in the same transaction as
 * the alarms, so suppression holds across restarts and a rolled-back offer leaves no key behind.
 */
export class DedupeWindow {
  private lastPrune = 0;

  constructor(
    private readonly statements: Pick<OutboxStatements, "remember" | "prune">,
    /** RELAY_DEDUPE_WINDOW in ms. */
    private readonly windowMs: number,
  ) {}

  /**
   * Stamps the environment's key as seen at `now`. True when it is new, or was last seen before
   * the window (the alarm is stored); false when seen within it (a duplicate). Call inside the
   * transaction that stores the alarm.
   */
  firstSeen(environment: string, dedupeKey: string, now: number): boolean {
    const key = `${environment}\u0000${dedupeKey}`;
    return this.statements.remember.run(key, now, now - this.windowMs).changes > 0;
  }

  /** Deletes the keys that fell out of the window, at most once a minute. */
  pruneIfDue(now: number): void {
    if (now - this.lastPrune <= PRUNE_EVERY_MS) return;
    this.statements.prune.run(now - this.windowMs);
    this.lastPrune = now;
  }

  /**
   * A one-row write to the table (a key no alarm can have), for the readiness probe: it fails
   * exactly when storing an alarm's key would.
   */
  probeWrite(now: number): void {
    this.statements.remember.run("\u0000readiness", now, Number.MAX_SAFE_INTEGER);
  }
}
