import type { DrainResult } from "./drainer.js";

/** Something that can be drained repeatedly. */
export interface Drainable {
  drainOnce(signal?: AbortSignal): Promise<DrainResult>;
}

/**
 * Runs a drainer every `intervalMs` (start to start) in the background. Drains never overlap:
 * one that overruns its interval delays the next instead of running beside it. A server's
 * "retry after" pushes the next start back. `stop()` aborts an in-flight drain and resolves once
 * it has ended.
 */
export class DrainLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly drainer: Drainable,
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts the first drain now. */
  start(): void {
    this.schedule(0);
  }

  /** Stops scheduling, aborts the drain in flight and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort(new Error("shutting down"));
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, delayMs));
  }

  private tick(): void {
    const startedAt = this.clock();
    const run = this.drainer.drainOnce(this.abort.signal).then((result) => {
      const next = Math.max(startedAt + this.intervalMs, result.retryNotBefore ?? 0);
      this.schedule(next - this.clock());
    });
    this.running = run;
  }
}
