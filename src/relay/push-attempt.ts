import type { DynatraceClient } from "../dynatrace/client.js";
import { type AttemptOutcome, outcomeOfAnswer, outcomeOfError } from "./attempt-outcome.js";
import type { QueuedAlarm } from "./outbox.js";

/** Endpoint names and paths of the two push APIs, as `dynatrace_api_requests_total` names them. */
const UPSTREAM = {
  v1: { endpoint: "v1_push", path: "/api/v1/events" },
  v2: { endpoint: "v2_ingest", path: "/api/v2/events/ingest" },
} as const;

/**
 * Pushes one queued alarm once and says what Dynatrace's answer established. Never throws. The
 * attempt ends by `deadlineMs` at the latest (queueing for a connection included), which counts as
 * a timeout; `shutdown` aborting it yields `aborted` (nothing learnt, nothing recorded).
 */
export async function pushOnce(
  client: DynatraceClient,
  alarm: QueuedAlarm,
  shutdown: AbortSignal,
  deadlineMs: number,
): Promise<AttemptOutcome> {
  const target = UPSTREAM[alarm.api];
  let outcome: AttemptOutcome;
  try {
    const signal = AbortSignal.any([shutdown, AbortSignal.timeout(deadlineMs)]);
    const answer = await client.postJson(target.endpoint, target.path, alarm.payload, signal);
    outcome = outcomeOfAnswer(alarm.api, answer);
  } catch (err) {
    outcome = outcomeOfError(err);
  }
  if (outcome.kind === "aborted" && !shutdown.aborted) {
    const message = `delivery attempt took longer than ${deadlineMs} ms`;
    return { kind: "refused", reason: "timeout", message, retryAfterMs: undefined };
  }
  return outcome;
}
