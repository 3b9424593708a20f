/**
 * When an environment's drains are overdue: nothing has shown the feed to be alive - a drain
 * that succeeded, or a page that arrived in the drain in progress - for longer than the drain
 * interval plus one request's time budget (HTTP_TIMEOUT). A drain hung on a server that never
 * answers, or trickles its answer, makes the environment overdue after that long, and
 * `dynatrace_up` reads 0 from then until the feed shows life again; a long read whose pages keep
 * arriving is not overdue.
 */
export class DrainHealth {
  private lastProgressAt: number | undefined;
  private lastOk = false;

  constructor(
    private readonly clock: () => number,
    /** DRAIN_INTERVAL + HTTP_TIMEOUT. */
    readonly overdueAfterMs: number,
    private readonly createdAt: number = clock(),
  ) {}

  /** A page arrived. */
  progressed(): void {
    this.lastProgressAt = this.clock();
  }

  /** A drain ended; a success is progress. */
  finished(ok: boolean): void {
    this.lastOk = ok;
    if (ok) this.lastProgressAt = this.clock();
  }

  /** Time of the last progress (success or page), if any. */
  get lastProgress(): number | undefined {
    return this.lastProgressAt;
  }

  /** Whether the feed has shown no life for {@link overdueAfterMs} (since creation, at first). */
  overdue(): boolean {
    return this.clock() - (this.lastProgressAt ?? this.createdAt) > this.overdueAfterMs;
  }

  /** `dynatrace_up`: 1 while the last drain succeeded and the environment is not overdue. */
  up(): number {
    return this.lastOk && !this.overdue() ? 1 : 0;
  }
}
