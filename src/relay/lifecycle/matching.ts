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
 * Whether the alert's problem was closed after `lastSentAt` and before the event would have timed
 * out: someone closed it (another replica that saw the alert resolve, or a person), so this
 * replica must stop refreshing it. A problem that ended at or after the timeout timed out, and a
 * firing alert's event is sent again.
 */
export function closedSince(
  closed: ProblemSummary[],
  a: AlertRef,
  lastSentAt: number,
  timeoutMs: number,
): boolean {
  return problemsOf(closed, a).some(
    (p) => p.endTime !== undefined && p.endTime >= lastSentAt && p.endTime < lastSentAt + timeoutMs,
  );
}
