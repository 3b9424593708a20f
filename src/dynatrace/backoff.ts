/** Exponential backoff settings for retried requests. */
export interface BackoffPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Defaults: 4 attempts, 1 s doubling up to 30 s, so a drain gives up after about a minute. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
};

/**
 * Delay before retry number `retry` (1 for the first retry): exponential with "equal jitter", so
 * that many exporters hit by the same outage do not come back in lock-step, and never below half
 * the exponential step (no near-zero retries that would hammer a struggling server).
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return step / 2 + random() * (step / 2);
}

/**
 * How long the server asked us to wait, in ms, from `Retry-After` (seconds or an HTTP date) or
 * `X-RateLimit-Reset` (an absolute time whose unit old and new servers disagree on: detected by
 * magnitude as seconds, milliseconds or microseconds since the epoch). Undefined when neither says.
 */
export function serverRetryDelay(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): number | undefined {
  const retryAfter = first(headers["retry-after"]);
  if (retryAfter !== undefined) {
    const trimmed = retryAfter.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = first(headers["x-ratelimit-reset"]);
  if (reset !== undefined && /^\d+$/.test(reset.trim())) {
    const n = Number(reset.trim());
    const resetMs = n > 1e14 ? n / 1000 : n > 1e11 ? n : n * 1000;
    return Math.max(0, resetMs - now);
  }
  return undefined;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
