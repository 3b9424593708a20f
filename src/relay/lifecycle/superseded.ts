import { opensProblem } from "../../config/lifecycle.js";
import type { SendInstead } from "../sender.js";

/** The info event type a superseded firing is sent as: the one info severities use by default. */
export const SUPERSEDED_EVENT_TYPE = "CUSTOM_INFO";
/** The property that marks an event as a firing sent after its alert's resolve was acted on. */
export const SUPERSEDED_PROPERTY = "alert.superseded_by";

/** A queued problem-opening event of a lifecycle alert, as the check before a send reads it. */
export interface ProblemEvent {
  key: string;
  title: string;
  body: Record<string, unknown> & { properties: Record<string, unknown> };
}

/**
 * The queued payload as a problem-opening event of an alert (a problem-opening type and an
 * `alert.key` property), else undefined: info events, v1 pushes and other events cannot reopen
 * a problem and are sent as they are.
 */
export function problemEvent(payload: string): ProblemEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null) return undefined;
  const { eventType, title, properties } = body as Record<string, unknown>;
  if (typeof eventType !== "string" || !opensProblem(eventType)) return undefined;
  if (typeof properties !== "object" || properties === null) return undefined;
  const key = (properties as Record<string, unknown>)["alert.key"];
  if (typeof key !== "string") return undefined;
  return {
    key,
    title: typeof title === "string" ? title : "",
    body: body as ProblemEvent["body"],
  };
}

/**
 * The same event as an info event marked superseded by a resolve: Dynatrace keeps the agent's
 * record (acknowledged alarms are never dropped) but no problem opens from it. Title, target and
 * properties stay as they were.
 */
export function asInfo(event: ProblemEvent): SendInstead {
  const body: Record<string, unknown> = {
    ...event.body,
    eventType: SUPERSEDED_EVENT_TYPE,
    properties: { ...event.body.properties, [SUPERSEDED_PROPERTY]: "resolve" },
  };
  // The timeout only means something for a problem-opening type.
  delete body.timeout;
  return { payload: JSON.stringify(body) };
}
