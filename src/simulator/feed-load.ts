import type { ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

/**
 * The load on the simulated feed: answers to `GET` feed requests are held `latencyMs` (a tenant
 * across the internet answers a page in 100 to 300 ms), and the requests in flight at once are
 * counted, with their high-water mark, so that tests can check a client's concurrency bound.
 */
export class FeedLoad {
  /** Feed requests received and not yet answered (or dropped). */
  inFlight = 0;
  /** The most feed requests that were in flight at once since the last {@link resetHighWater}. */
  highWater = 0;

  constructor(
    /** Delay (ms) before each feed request is answered; benchmarks and tests change it. */
    public latencyMs = 0,
  ) {}

  /** Counts a feed request in until its response closes, then waits out the latency. */
  async admit(res: ServerResponse, closing: AbortSignal): Promise<void> {
    this.inFlight++;
    this.highWater = Math.max(this.highWater, this.inFlight);
    res.once("close", () => this.inFlight--);
    if (this.latencyMs > 0)
      await delay(this.latencyMs, undefined, { signal: closing }).catch(() => undefined);
  }

  /** Starts a new high-water mark from the requests in flight now. */
  resetHighWater(): void {
    this.highWater = this.inFlight;
  }
}
