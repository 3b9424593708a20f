/**
 * Events counted over the last minute, in one-second buckets: what "delivered in the last minute"
 * on the landing page reads. Fixed memory; a bucket older than the window is reused.
 */
export class RecentCount {
  private readonly counts = new Uint32Array(60);
  private readonly seconds = new Float64Array(60).fill(-1);

  /** Counts one event at `now` (ms). */
  add(now: number): void {
    const second = Math.floor(now / 1000);
    const slot = second % 60;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] as number) + 1;
  }

  /** Events counted in the 60 seconds up to `now` (ms). */
  total(now: number): number {
    const second = Math.floor(now / 1000);
    let n = 0;
    for (let slot = 0; slot < 60; slot++) {
      const s = this.seconds[slot] as number;
      if (s > second - 60 && s <= second) n += this.counts[slot] as number;
    }
    return n;
  }
}
