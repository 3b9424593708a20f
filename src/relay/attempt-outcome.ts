import { DynatraceError, DynatraceHttpError, type FailureReason } from "../dynatrace/errors.js";
import type { UpstreamApi } from "./alarm.js";

/** Longest server-requested wait honoured; a longer Retry-After is read as this. */
export const MAX_SERVER_WAIT_MS = 3_600_000;

/**
 * What one delivery attempt established:
 * - `delivered`: Dynatrace answered with the documented success body;
 * - `rejected`: a verdict about this alarm (400, 413, other 4xx, a v2 item status other than OK):
 *   the same body cannot succeed, so it is dead-lettered;
 * - `refused`: the environment cannot take anything right now (401, 403, 404, 407, 408, 429, 5xx,
 *   network, TLS or proxy errors, a 2xx that is not the documented answer): retried, never
 *   dead-lettered for it;
 * - `aborted`: the attempt was cancelled by a shutdown; nothing was learnt.
 */
export type AttemptOutcome =
  | { kind: "delivered"; correlationId?: string }
  | { kind: "rejected"; reason: FailureReason | "item_rejected"; message: string }
  | { kind: "refused"; reason: FailureReason; message: string; retryAfterMs: number | undefined }
  | { kind: "aborted" };

/** Statuses that speak about the environment (credentials, path, proxy, load), not the alarm. */
const ENVIRONMENT_STATUSES = new Set([401, 403, 404, 407, 408, 429]);

/** Classifies a successful HTTP exchange by its parsed answer body. */
export function outcomeOfAnswer(api: UpstreamApi, answer: unknown): AttemptOutcome {
  if (api === "v1") {
    return isV1Answer(answer)
      ? { kind: "delivered" }
      : refusedProtocol("the v1 push answer has no storedEventIds or storedIds array");
  }
  const results = v2Results(answer);
  if (results === undefined) {
    return refusedProtocol("the v2 ingest answer has no eventIngestResults with one string status");
  }
  const failed = results.filter((status) => status !== "OK");
  if (failed.length === 0) {
    const correlationId = correlationOf(answer);
    return correlationId === undefined ? { kind: "delivered" } : { kind: "delivered", correlationId };
  }
  return { kind: "rejected", reason: "item_rejected", message: `ingest item status ${failed.join(", ")}` };
}

/**
 * Classifies a failed attempt. Anything that is not a Dynatrace client error (a bug, never an
 * answer) is treated as environment-level: retried after a pause, never a reason to lose the alarm.
 */
export function outcomeOfError(err: unknown): AttemptOutcome {
  if (!(err instanceof DynatraceError)) {
    const message = `delivery attempt failed: ${err instanceof Error ? err.message : String(err)}`;
    return { kind: "refused", reason: "network", message, retryAfterMs: undefined };
  }
  if (err.reason === "aborted") return { kind: "aborted" };
  if (err instanceof DynatraceHttpError && isAlarmVerdict(err.status)) {
    return { kind: "rejected", reason: err.reason, message: err.message };
  }
  const retryAfterMs = err instanceof DynatraceHttpError ? err.retryAfterMs : undefined;
  return {
    kind: "refused",
    reason: err.reason,
    message: err.message,
    retryAfterMs: retryAfterMs === undefined ? undefined : Math.min(MAX_SERVER_WAIT_MS, retryAfterMs),
  };
}

/** 400, 413 and every other 4xx except those about the environment. */
function isAlarmVerdict(status: number): boolean {
  return status >= 400 && status < 500 && !ENVIRONMENT_STATUSES.has(status);
}

function refusedProtocol(message: string): AttemptOutcome {
  return { kind: "refused", reason: "malformed_response", message, retryAfterMs: undefined };
}

function isV1Answer(answer: unknown): boolean {
  if (typeof answer !== "object" || answer === null) return false;
  const a = answer as { storedEventIds?: unknown; storedIds?: unknown };
  return Array.isArray(a.storedEventIds) || Array.isArray(a.storedIds);
}

/** The item statuses of a v2 ingest answer for one event, or undefined if it is not that shape. */
function v2Results(answer: unknown): string[] | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const results = (answer as { eventIngestResults?: unknown }).eventIngestResults;
  if (!Array.isArray(results) || results.length !== 1) return undefined;
  const statuses = results.map((r) => (r as { status?: unknown } | null)?.status);
  return statuses.every((s) => typeof s === "string" && s !== "") ? (statuses as string[]) : undefined;
}

/** The correlation id of a v2 ingest answer's one item, when it is a plausible id. */
function correlationOf(answer: unknown): string | undefined {
  const results = (answer as { eventIngestResults?: { correlationId?: unknown }[] }).eventIngestResults;
  const id = results?.[0]?.correlationId;
  return typeof id === "string" && id !== "" && id.length <= 128 ? id : undefined;
}
