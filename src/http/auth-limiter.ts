import NodeCache from "node-cache";

/** Addresses tracked at most: spoofed or many-address guessing cannot grow memory without bound. */
const MAX_TRACKED_ADDRESSES = 100_000;

/**
 * Counts failed relay authentications per client address in a sliding-expiry cache: an address
 * with `maxFailures` failures within `windowSeconds` of its first gets 429 for further failing
 * requests until that window has passed. Requests with a valid token are never checked against
 * it (the caller checks the token first), so a bad agent cannot lock out good ones.
 */
export class FailedAuthLimiter {
  private readonly failures: NodeCache;

  constructor(
    private readonly maxFailures = 10,
    private readonly windowSeconds = 60,
  ) {
    this.failures = new NodeCache({
      stdTTL: windowSeconds,
      checkperiod: windowSeconds,
      useClones: false,
      maxKeys: MAX_TRACKED_ADDRESSES,
    });
  }

  /** Seconds until the address may try again, or 0 when it is not blocked. */
  blockedFor(address: string): number {
    const n = this.failures.get<number>(address) ?? 0;
    if (n < this.maxFailures) return 0;
    const expires = this.failures.getTtl(address) ?? 0;
    return Math.max(1, Math.ceil((expires - Date.now()) / 1000));
  }

  /** Records one failed attempt; the window starts at the address's first failure. */
  recordFailure(address: string): void {
    const n = this.failures.get<number>(address);
    try {
      if (n === undefined) this.failures.set(address, 1, this.windowSeconds);
      else
        this.failures.set(
          address,
          n + 1,
          Math.max(1, ((this.failures.getTtl(address) ?? 0) - Date.now()) / 1000),
        );
    } catch {
      // The cache is full (ECACHEFULL): this address goes untracked and still gets its 401.
    }
  }

  /** Stops the cache's expiry timer. */
  close(): void {
    this.failures.close();
  }
}
