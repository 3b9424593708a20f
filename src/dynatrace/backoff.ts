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

/** Longest wait a server may impose: a longer, overflowing or absurd request means "in 1 h". */
export const MAX_SERVER_WAIT_MS = 3_600_000;

/** A server-requested wait, already capped; `capped` says the server asked for more (log it). */
export interface ServerWait {
  ms: number;
  capped: boolean;
}

/**
 * How long the server asked us to wait, in ms, from `Retry-After` (seconds or an HTTP date) or
 * `X-RateLimit-Reset` (an absolute time whose unit old and new servers disagree on: detected by
 * magnitude as seconds, milliseconds or microseconds since the epoch; a number too small to be a
 * date since 2001 is read as seconds from now). Never above {@link MAX_SERVER_WAIT_MS}, never
 * negative or NaN; values that are not numbers or dates count as not said (the caller's own
 * backoff applies). Undefined when neither header says anything usable.
 */
export function parseServerWait(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): ServerWait | undefined {
  return (
    parseRetryAfter(first(headers["retry-after"]), now) ??
    parseReset(first(headers["x-ratelimit-reset"]), now)
  );
}

/** {@link parseServerWait}'s milliseconds alone (capped), or undefined. */
export function serverRetryDelay(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): number | undefined {
  return parseServerWait(headers, now)?.ms;
}

function parseRetryAfter(value: string | undefined, now: number): ServerWait | undefined {
  const text = value?.trim();
  if (!text || text.length > 64) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return capped(Number(text) * 1000);
  // HTTP dates start with a weekday name; anything else Date.parse might read ("-5") is not one.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : capped(date - now);
}

function parseReset(value: string | undefined, now: number): ServerWait | undefined {
  const text = value?.trim();
  if (!text || !/^\d{1,24}$/.test(text)) return undefined;
  const n = Number(text);
  if (n < 1e9) return capped(n * 1000);
  const resetMs = n > 1e14 ? n / 1000 : n > 1e11 ? n : n * 1000;
  return capped(resetMs - now);
}

function capped(ms: number): ServerWait {
  if (!Number.isFinite(ms) || ms > MAX_SERVER_WAIT_MS) return { ms: MAX_SERVER_WAIT_MS, capped: true };
  return { ms: Math.max(0, Math.round(ms)), capped: false };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
