/**
 * A sleep that a wake-up cuts short, and that never loses one: a wake-up that arrives while the
 * sleeper is busy makes its next sleep return at once (after a macrotask, so a stream of
 * wake-ups can never starve the event loop).
 */
export class Waker {
  private pending = false;
  private wakeUp: (() => void) | undefined;

  /** Ends the current sleep, or the next one if none is running. */
  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /** Sleeps up to `ms`, or until {@link wake}. */
  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return new Promise((resolve) => setImmediate(resolve));
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wakeUp = done;
    });
  }
}
