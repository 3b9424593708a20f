import type Database from "better-sqlite3";

/**
 * Which alarm a notification is about, and where its state stands in the sender's own order, for
 * the dedupe window: a repeat of the alarm's current state is a duplicate, a change of state never
 * is.
 */
export interface AlarmState {
  /** The alarm: netdata host and `chart.alarm`, Alertmanager fingerprint, title and target. */
  identity: string;
  /**
   * The sender's order of this state, where its format has one (Alertmanager `startsAt`, then
   * firing before resolved; the native `time`; v1 `start`, v2 `startTime`); undefined for netdata,
   * whose notifier sends no time.
   */
  order?: number | undefined;
}

/**
 * How long after an alarm's newer state a copy of an older one (by the sender's order) is taken
 * for a late copy (the other member of an HA Alertmanager pair sends about 15 s after the first,
 * a third 30 s); after it, for the sender's own new notification (Alertmanager re-fires with the
 * old `startsAt` after resolving an alert by `resolve_timeout`).
 */
export const LATE_COPY_MS = 60_000;

interface Mark {
  key: string;
  order: number | null;
  at: number;
}

/**
 * The dedupe window's memory, in the outbox's `recent_keys` table (no table of its own, so no
 * migration): each accepted notification's dedupe key with when it was last accepted, and per
 * alarm identity one mark naming its current state (a row whose key holds identity, state key and
 * order). A notification is a repeat when its key was accepted within the window and it is the
 * alarm's current state (an HA copy, a retry), or a late copy of an older state; any other is a
 * change of state and is accepted, even when the same state was seen within the window
 * (CRITICAL → CLEAR → CRITICAL).
 */
export class AlarmStates {
  private readonly s;

  constructor(
    db: Database.Database,
    /** RELAY_DEDUPE_WINDOW in ms. */
    private readonly windowMs: number,
  ) {
    this.s = {
      seen: db.prepare<[string, number], { n: number }>(
        "SELECT COUNT(*) AS n FROM recent_keys WHERE key = ? AND seen_at >= ?",
      ),
      stamp: db.prepare(
        "INSERT INTO recent_keys (key, seen_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at",
      ),
      mark: db.prepare<[string, string, number], { key: string; seen_at: number }>(
        "SELECT key, seen_at FROM recent_keys WHERE key >= ? AND key < ? AND seen_at >= ? LIMIT 1",
      ),
      unmark: db.prepare("DELETE FROM recent_keys WHERE key >= ? AND key < ?"),
    };
  }

  /**
   * Whether a notification with this dedupe key repeats what was accepted within the window: its
   * key was seen, and without a state it is a repeat; with one, it is the alarm's current state or
   * a late copy of an older one. Read only.
   */
  isRepeat(environment: string, dedupeKey: string, state: AlarmState | undefined, now: number): boolean {
    const since = now - this.windowMs;
    if ((this.s.seen.get(keyOf(environment, dedupeKey), since)?.n ?? 0) === 0) return false;
    if (state === undefined) return true;
    const mark = this.markOf(environment, state.identity, since);
    // Keys from before marks existed have none: the key alone decides, as it did then.
    if (mark === undefined || mark.key === dedupeKey) return true;
    const older = state.order !== undefined && mark.order !== null && state.order < mark.order;
    return older && now - mark.at <= LATE_COPY_MS;
  }

  /**
   * Accepts the notification unless it is a repeat ({@link isRepeat}): stamps its key and makes it
   * the alarm's current state. True when accepted. Call inside the transaction that stores it.
   */
  accept(environment: string, dedupeKey: string, state: AlarmState | undefined, now: number): boolean {
    if (this.isRepeat(environment, dedupeKey, state, now)) return false;
    this.stamp(environment, dedupeKey, now);
    if (state !== undefined) {
      const [prefix, from, to] = markRange(environment, state.identity);
      this.s.unmark.run(from, to);
      this.s.stamp.run(`${prefix}${JSON.stringify([dedupeKey, state.order ?? null])}`, now);
    }
    return true;
  }

  /** Marks a dedupe key seen now without changing any alarm's state. */
  stamp(environment: string, dedupeKey: string, now: number): void {
    this.s.stamp.run(keyOf(environment, dedupeKey), now);
  }

  private markOf(environment: string, identity: string, since: number): Mark | undefined {
    const [prefix, from, to] = markRange(environment, identity);
    const row = this.s.mark.get(from, to, since);
    if (!row) return undefined;
    const [key, order] = JSON.parse(row.key.slice(prefix.length)) as [string, number | null];
    return { key, order, at: row.seen_at };
  }
}

function keyOf(environment: string, dedupeKey: string): string {
  return `${environment}\u0000${dedupeKey}`;
}

/**
 * The key range of an identity's mark: a prefix no dedupe key has (`\u0001`, the identity as
 * JSON), then the JSON array `[stateKey, order]`, which starts with `[` and never with `\`.
 */
function markRange(environment: string, identity: string): [string, string, string] {
  const prefix = `${environment}\u0000\u0001${JSON.stringify(identity)}\u0000`;
  return [prefix, `${prefix}[`, `${prefix}\\`];
}
