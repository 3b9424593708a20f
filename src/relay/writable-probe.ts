/** Whether the outbox takes writes, and why not. */
export type Writable = { ok: true } | { ok: false; reason: string };

/** How long a probe's verdict is reused: probes every few seconds then cost nothing. */
const CACHE_MS = 1000;

/**
 * The relay role's readiness: a one-row write transaction, fsynced like an offer, so it fails
 * exactly when storing an alarm would. The verdict is cached for a second.
 */
export class WritableProbe {
  private cache: { at: number; result: Writable } | undefined;

  constructor(
    /** Writes one row the way an offer does; throws when the disk refuses. */
    private readonly write: () => void,
    private readonly isClosed: () => boolean,
  ) {}

  /** The verdict now, or the one at most a second old. */
  check(): Writable {
    if (this.isClosed()) return { ok: false, reason: "the outbox is closed" };
    const now = Date.now();
    if (this.cache && now - this.cache.at < CACHE_MS) return this.cache.result;
    let result: Writable;
    try {
      this.write();
      result = { ok: true };
    } catch (err) {
      result = { ok: false, reason: `the outbox cannot be written: ${(err as Error).message}` };
    }
    this.cache = { at: now, result };
    return result;
  }
}
