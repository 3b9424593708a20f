import type { AlarmState, AlarmStates } from "./alarm-states.js";
import type { OutboxStatements } from "./outbox-schema.js";

/** How often keys older than the window are deleted. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The keys of recently accepted alarms, in the outbox's `recent_keys` table: an alarm whose key
 * was accepted within the window is a duplicate, unless it changes its alarm's state
 * ({@link AlarmStates}). The keys are written in the same transaction as the alarms, so
 * suppression holds across restarts and a rolled-back offer leaves no key behind.
 */
export class DedupeWindow {
  private lastPrune = 0;

  constructor(
    private readonly statements: Pick<OutboxStatements, "remember" | "prune">,
    /** RELAY_DEDUPE_WINDOW in ms. */
    private readonly windowMs: number,
    /** The alarms' current states, on the same table. */
    readonly states: AlarmStates,
  ) {}

  /**
   * Stamps the environment's key as seen at `now`. True when the alarm is stored: its key is new,
   * was last seen before the window, or it changes its alarm's state; false for a duplicate.
   * Call inside the transaction that stores the alarm.
   */
  firstSeen(environment: string, dedupeKey: string, now: number, state?: AlarmState): boolean {
    return this.states.accept(environment, dedupeKey, state, now);
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
