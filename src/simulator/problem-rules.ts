import type { SimTag, SimZone } from "./entity-meta.js";
import type { SimEvent } from "./sim-event.js";

/** Problem severities, worst first (the order a problem's severity is chosen by). */
export const PROBLEM_SEVERITIES = [
  "AVAILABILITY",
  "ERROR",
  "PERFORMANCE",
  "RESOURCE_CONTENTION",
  "CUSTOM_ALERT",
];
/** Problem impact levels, widest first (a problem takes its widest event's). */
export const PROBLEM_IMPACTS = ["APPLICATION", "SERVICES", "INFRASTRUCTURE", "ENVIRONMENT"];
/** Event types that never open a problem whatever severity they carry. */
const NEVER_OPENING = new Set([
  "WARNING",
  "CUSTOM_INFO",
  "CUSTOM_ANNOTATION",
  "CUSTOM_CONFIGURATION",
  "CUSTOM_DEPLOYMENT",
  "MARKED_FOR_TERMINATION",
  "PROCESS_RESTART",
]);

/** An entity as problems write it. */
export interface SimEntityRef {
  entityId: { id: string; type: string };
  name: string;
}

/** One problem as the model sees it at a point in simulated time. */
export interface SimProblem {
  problemId: string;
  displayId: string;
  title: string;
  status: "OPEN" | "CLOSED";
  severityLevel: string;
  impactLevel: string;
  startTime: number;
  /** -1 while open. */
  endTime: number;
  entity: SimEntityRef;
  managementZones: SimZone[];
  entityTags: SimTag[];
  /** Its events, oldest first (the first one opened it). */
  events: SimEvent[];
}

/** A close done through `POST /api/v2/problems/{id}/close`, for tests to read. */
export interface ProblemCloseRecord {
  problemId: string;
  at: number;
  message: string;
  /** Who closed it: the public part of the token used. */
  author: string;
  commentId: string;
  /** Events the close ended. */
  endedEvents: bigint[];
}

/** Whether an event opens or joins a problem: a problem-opening category, not suppressed. */
export function opensProblem(e: SimEvent): boolean {
  if (NEVER_OPENING.has(e.eventType)) return false;
  if (!PROBLEM_SEVERITIES.includes(e.severityLevel ?? "")) return false;
  return e.properties?.["dt.event.suppress_problem"] !== "true";
}

/** The problem impact level an event stands for (v1 `SERVICE` is `SERVICES`). */
export function impactOf(e: SimEvent): string {
  const level = e.impactLevel === "SERVICE" ? "SERVICES" : (e.impactLevel ?? "INFRASTRUCTURE");
  return PROBLEM_IMPACTS.includes(level) ? level : "INFRASTRUCTURE";
}

/** An event's title, or one made from its type. */
export function titleOf(e: SimEvent): string {
  return e.title ?? e.eventType.toLowerCase().replaceAll("_", " ");
}
