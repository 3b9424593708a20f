/** Stable reasons used for `dynatrace_drain_errors_total{reason}` and in logs. */
export type FailureReason =
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  | "server_error"
  | "client_error"
  | "timeout"
  | "network"
  | "malformed_response"
  | "paging_loop"
  | "aborted";

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
    readonly apiMessage: string | undefined,
    /** Milliseconds the server asked us to wait (Retry-After / X-RateLimit-Reset), if it said. */
    readonly retryAfterMs: number | undefined,
  ) {
    const reason = reasonForStatus(status);
    super(reason, describeStatus(status, path, apiMessage), isRetryableStatus(status));
  }
}

/** The request never got a complete answer (refused, reset, timed out, truncated). */
export class DynatraceNetworkError extends DynatraceError {
  override readonly name = "DynatraceNetworkError";
  constructor(reason: "timeout" | "network" | "aborted", path: string, cause: unknown) {
    const detail = cause instanceof Error ? ((cause as Error & { code?: string }).code ?? cause.message) : "";
    super(
      reason,
      `request to ${path} failed: ${reason}${detail ? ` (${detail})` : ""}`,
      reason !== "aborted",
      {
        cause,
      },
    );
  }
}

/** The answer arrived but is not the documented shape, or paging cannot terminate. */
export class DynatraceProtocolError extends DynatraceError {
  override readonly name = "DynatraceProtocolError";
  constructor(reason: "malformed_response" | "paging_loop", message: string) {
    super(reason, message, false);
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

function describeStatus(status: number, path: string, apiMessage: string | undefined): string {
  const said = apiMessage ? `: ${apiMessage}` : "";
  if (status === 401 || status === 403) {
    return `Dynatrace answered ${status} for ${path}${said}; check that the API token is valid and has the DataExport scope`;
  }
  return `Dynatrace answered ${status} for ${path}${said}`;
}
