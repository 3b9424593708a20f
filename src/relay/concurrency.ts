/**
 * How many deliveries of one environment may be in flight, adapted to the tenant by additive
 * increase, multiplicative decrease (as TCP does): a 429 halves the limit (at most once per round
 * of attempts: 429s for attempts that started before the last decrease say nothing new), and
 * every `limit` successes in a row add one, up to the configured maximum.
 */
export class ConcurrencyLimit {
  private current: number;
  private successes = 0;
  /** Attempts are numbered as they start; a 429 halves only if its attempt started after this. */
  private started = 0;
  private lastDecreaseAt = 0;

  constructor(readonly max: number) {
    this.current = max;
  }

  /** The limit now (1 to max). */
  get value(): number {
    return this.current;
  }

  /** Numbers an attempt as it starts; pass the number to {@link throttled}. */
  begin(): number {
    return ++this.started;
  }

  /** An attempt succeeded (accepted or judged by Dynatrace). */
  succeeded(): void {
    if (this.current >= this.max) return;
    if (++this.successes >= this.current) {
      this.current++;
      this.successes = 0;
    }
  }

  /** The attempt numbered `attempt` was answered 429. */
  throttled(attempt: number): void {
    this.successes = 0;
    if (attempt <= this.lastDecreaseAt) return;
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.lastDecreaseAt = this.started;
  }
}
