/**
 * Alarms waiting per environment, kept in memory so that scrapes, the landing page and the queue
 * limit never count rows. Exact after {@link QueueDepths.reset}; moved by every accept, delivery and
 * dead letter in between.
 */
export class QueueDepths {
  private readonly depths = new Map<string, number>();

  /** Alarms waiting for the environment. */
  of(environment: string): number {
    return this.depths.get(environment) ?? 0;
  }

  /** `n` more alarms wait (`n` < 0: fewer, never below 0). */
  add(environment: string, n: number): void {
    this.depths.set(environment, Math.max(0, this.of(environment) + n));
  }

  /** Replaces every count by ones read from the file. */
  reset(rows: Iterable<{ environment: string; n: number }>): void {
    this.depths.clear();
    for (const row of rows) this.depths.set(row.environment, row.n);
  }

  /** The counts as they are now (read-only view for the marker file). */
  view(): ReadonlyMap<string, number> {
    return this.depths;
  }
}
