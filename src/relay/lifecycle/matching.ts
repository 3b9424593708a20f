import type { EventEvidence, ProblemSummary } from "../../dynatrace/problems.js";

/** The alert a problem's evidence is compared with. */
export interface AlertRef {
  key: string;
  title: string;
  /** Correlation ids Dynatrace gave this replica's sends of the alert's event, if any. */
  correlationIds?: readonly string[];
}

/**
 * Whether an evidence event is this alert's: its correlation id is one this replica was given for
 * the alert's event, or its `alert.key` property is the alert's key, or, for an event whose
 * properties the answer left out, its title is the alert's stable title.
 */
export function isAlertEvent(e: EventEvidence, a: AlertRef): boolean {
  if (e.correlationId !== undefined && a.correlationIds?.includes(e.correlationId)) return true;
  const key = e.properties["alert.key"];
  if (key !== undefined) return key === a.key;
  return Object.keys(e.properties).length === 0 && e.title === a.title;
}

/** Problems whose evidence includes the alert's event. */
export function problemsOf(problems: ProblemSummary[], a: AlertRef): ProblemSummary[] {
  return problems.filter((p) => p.evidence.some((e) => isAlertEvent(e, a)));
}

/**
 * True when another open event (not this alert's) holds the problem open: closing it would end
 * someone else's problem, so the alert's own event is left to time out instead.
 */
export function heldByOthers(p: ProblemSummary, a: AlertRef): boolean {
  return p.evidence.some((e) => e.open && !isAlertEvent(e, a));
}

/**
 * How far apart Dynatrace's clock and the replica's may be, and how long after Dynatrace took an
 * event the replica may record its delivery: a problem's end this close to the timeout counts as
 * a timeout, and this far before the last delivery still counts as after it. A quarter of the
 * timeout, at most 5 min.
 */
export function timeoutMargin(timeoutMs: number): number {
  return Math.min(timeoutMs / 4, 5 * 60_000);
}

/**
 * Whether the alert's problem was closed after `lastSentAt` (the last delivery of its event, less
 * {@link timeoutMargin} for clocks apart) and well before the event would have timed out: someone closed it (another replica that saw the
 * alert resolve, or a person), so this replica must stop refreshing it. A problem that ended
 * within {@link timeoutMargin} of the timeout, or after it, timed out (this replica's sends were
 * held up longer than the timeout), and a firing alert's event is sent again.
 */
export function closedSince(
  closed: ProblemSummary[],
  a: AlertRef,
  lastSentAt: number,
  timeoutMs: number,
): boolean {
  const margin = timeoutMargin(timeoutMs);
  const timedOutFrom = lastSentAt + timeoutMs - margin;
  return problemsOf(closed, a).some(
    (p) => p.endTime !== undefined && p.endTime >= lastSentAt - margin && p.endTime < timedOutFrom,
  );
}
