/** Stable reasons used for `dynatrace_drain_errors_total{reason}` and in logs. */
export type FailureReason =
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  | "server_error"
  | "client_error"
  | "timeout"
  | "network"
  | "tls"
  | "proxy"
  | "malformed_response"
  | "response_too_large"
  | "paging_loop"
  | "aborted";

/** Reasons of a request that never got a complete answer. */
export type NetworkReason = "timeout" | "network" | "tls" | "proxy" | "aborted";

/**
 * Base class of every error the Dynatrace client raises. `reason` is a stable machine-readable
 * code; `message` is safe to log (it never contains the token); `retryable` says whether the same
 * request may succeed when repeated.
 */
export class DynatraceError extends Error {
  override readonly name: string = "DynatraceError";
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The API answered with a non-2xx status. */
export class DynatraceHttpError extends DynatraceError {
  override readonly name = "DynatraceHttpError";
  constructor(
    readonly status: number,
    readonly path: string,
    /** The envelope's `error.message`, already redacted and cut to ~200 single-line characters. */
    readonly apiMessage: string | undefined,
    /**
     * Milliseconds the server asked us to wait (Retry-After / X-RateLimit-Reset), if it said,
     * never above one hour ({@link MAX_SERVER_WAIT_MS} in backoff.ts).
     */
    readonly retryAfterMs: number | undefined,
    /** True when the server asked for more than the cap (or nonsense) and the cap was used instead. */
    readonly retryAfterCapped = false,
  ) {
    const reason = reasonForStatus(status);
    const capNote = retryAfterCapped
      ? "; it asked to wait over 1 h (or gave an unusable time): trying again in 1 h"
      : "";
    super(reason, `${describeStatus(status, path, apiMessage)}${capNote}`, isRetryableStatus(status));
  }
}

/**
 * The request never got a complete answer: refused, reset, DNS, TLS, a proxy that failed or
 * refused (407/502 on CONNECT), or the deadline. Always retryable unless aborted by the caller:
 * these say "the environment cannot be reached now", never "this request is bad".
 * `code` is a short readable cause (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, `proxy 407`,
 * `deadline 30000ms`), never a secret.
 */
/** What fixes most TLS failures against a tenant: its CA is internal (Managed, an ActiveGate, a proxy). */
const TLS_HINT =
  "; if the tenant's certificate comes from an internal CA, set DYNATRACE_CA_FILE to that CA's PEM file";

export class DynatraceNetworkError extends DynatraceError {
  override readonly name = "DynatraceNetworkError";
  readonly code: string | undefined;
  constructor(reason: NetworkReason, path: string, cause: unknown, code?: string) {
    const detail = code ?? (cause instanceof Error ? (cause as Error & { code?: string }).code : undefined);
    super(
      reason,
      `request to ${path} failed: ${reason}${detail ? ` (${detail})` : ""}${reason === "tls" ? TLS_HINT : ""}`,
      reason !== "aborted",
      {
        cause,
      },
    );
    this.code = detail;
  }
}

/** Reasons of an answer that arrived but cannot be used. */
export type ProtocolReason = "malformed_response" | "paging_loop" | "response_too_large";

/**
 * The answer arrived but is not the documented shape, is larger than allowed, or paging cannot
 * terminate. Not retryable unless the caller says so (a push whose answer is unreadable is a
 * failed attempt worth repeating; a feed page that is, is not worth repeating within a drain).
 */
export class DynatraceProtocolError extends DynatraceError {
  override readonly name = "DynatraceProtocolError";
  constructor(reason: ProtocolReason, message: string, options: { retryable?: boolean } = {}) {
    super(reason, message, options.retryable ?? false);
  }
}

function reasonForStatus(status: number): FailureReason {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server_error";
  return "client_error";
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The token scope a request to `path` needs (one place, so a refusal names the right one). */
export function scopeFor(path: string): string {
  if (path.startsWith("/api/v2/problems")) {
    return path.endsWith("/close") ? "problems.write" : "problems.read";
  }
  if (path.startsWith("/api/v2/events/ingest")) return "events.ingest";
  if (path.startsWith("/api/v2/events")) return "events.read";
  return "DataExport";
}

function describeStatus(status: number, path: string, apiMessage: string | undefined): string {
  const said = apiMessage ? `: ${apiMessage}` : "";
  if (status === 401 || status === 403) {
    return `Dynatrace answered ${status} for ${path}${said}; check that the API token is valid and has the ${scopeFor(path)} scope`;
  }
  return `Dynatrace answered ${status} for ${path}${said}`;
}
