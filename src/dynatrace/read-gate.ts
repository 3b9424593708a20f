/** Pages in a row that must succeed before a throttled gate lets one more request in. */
export const REGROW_AFTER_PAGES = 16;

/**
 * How many feed requests of one environment may be in flight at once (FEED_READ_CONCURRENCY),
 * adapted to the tenant: a 429 halves the limit (once per round: 429s of requests that started
 * before the last halving say nothing new), and every {@link REGROW_AFTER_PAGES} successful
 * answers in a row add one back, up to `max`. Requests beyond the limit wait in arrival order.
 * A slot is held for one attempt (request and body), not across the client's backoff sleeps.
 */
export class ReadGate {
  private current: number;
  private active = 0;
  private successes = 0;
  private started = 0;
  private lastDecreaseAt = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    this.current = Math.max(1, Math.floor(max));
  }

  /** The limit now (1 to max). */
  get limit(): number {
    return this.current;
  }

  /** Requests holding a slot now. */
  get inFlight(): number {
    return this.active;
  }

  /**
   * Waits for a slot; returns the attempt's number (for {@link throttled}). Rejects with the
   * signal's reason if it aborts while waiting, holding nothing.
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    while (this.active >= this.current) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(wake);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal?.reason as Error);
        };
        this.waiting.push(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    this.active++;
    return ++this.started;
  }

  /** Gives a slot back (once per {@link acquire}). */
  release(): void {
    this.active--;
    this.wakeWaiting();
  }

  /** A request was answered with a 2xx. */
  succeeded(): void {
    if (this.current >= this.max) return;
    if (++this.successes >= REGROW_AFTER_PAGES) {
      this.current++;
      this.successes = 0;
      this.wakeWaiting();
    }
  }

  /** The attempt numbered `attempt` was answered 429. */
  throttled(attempt: number): void {
    this.successes = 0;
    if (attempt <= this.lastDecreaseAt) return;
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.lastDecreaseAt = this.started;
  }

  private wakeWaiting(): void {
    let free = this.current - this.active;
    while (free-- > 0 && this.waiting.length > 0) this.waiting.shift()?.();
  }
}
