import { entityTagsOf, managementZonesOf, type SimTag, type SimZone } from "./entity-meta.js";
import type { EventLife } from "./event-life.js";
import type { SimEvent } from "./sim-event.js";
import type { SimEventStore } from "./sim-store.js";

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

function impactOf(e: SimEvent): string {
  const level = e.impactLevel === "SERVICE" ? "SERVICES" : (e.impactLevel ?? "INFRASTRUCTURE");
  return PROBLEM_IMPACTS.includes(level) ? level : "INFRASTRUCTURE";
}

function titleOf(e: SimEvent): string {
  return e.title ?? e.eventType.toLowerCase().replaceAll("_", " ");
}

function byStart(a: SimEvent, b: SimEvent): number {
  if (a.startTime !== b.startTime) return a.startTime - b.startTime;
  return a.eventId === b.eventId ? 0 : a.eventId < b.eventId ? -1 : 1;
}

/** Open at `t`: started by then and some event not ended by then. */
function openAt(events: SimEvent[], t: number): boolean {
  return events.some((e) => e.endTime === -1 || e.endTime > t);
}

/**
 * The simulated environment's problems, derived from the same events the feeds serve: each
 * problem-opening event (not `dt.event.suppress_problem`) joins the problem open on its entity at
 * its start, else opens a new one (`dt.event.allow_davis_merge=false`: always its own). A problem
 * is closed when all its events are. Derived lazily at read time (after ending timed-out ingested
 * events), so a jump of a manual clock shows at the next read. Ids are stable: a problem's id
 * derives from its first event.
 */
export class SimProblems {
  /** Closes done through the API, in order. */
  readonly closes: ProblemCloseRecord[] = [];
  private readonly displayNumbers = new Map<string, number>();
  private cache: { version: number; problems: SimProblem[]; byId: Map<string, SimProblem> } | undefined;

  constructor(
    private readonly store: SimEventStore,
    private readonly life: EventLife,
    private readonly clock: () => number,
  ) {}

  /** Every problem, newest first, as of the simulated clock's now. */
  all(): SimProblem[] {
    return this.current().problems;
  }

  /** One problem by id, or undefined. */
  get(problemId: string): SimProblem | undefined {
    return this.current().byId.get(problemId);
  }

  /**
   * Closes a problem as the API does: ends all its open events now and records the close.
   * Returns the record, `"already-closed"`, or undefined for an unknown id.
   */
  close(
    problemId: string,
    message: string,
    author: string,
  ): ProblemCloseRecord | "already-closed" | undefined {
    const problem = this.get(problemId);
    if (!problem) return undefined;
    if (problem.status === "CLOSED") return "already-closed";
    const at = this.clock();
    const open = problem.events.filter((e) => e.endTime === -1).map((e) => e.eventId);
    for (const id of open) this.life.end(id, at, "PROBLEM_CLOSED");
    const record = {
      problemId,
      at,
      message,
      author,
      commentId: `${at}_${this.closes.length + 1}`,
      endedEvents: open,
    };
    this.closes.push(record);
    return record;
  }

  private current(): NonNullable<typeof this.cache> {
    this.life.sweep(this.clock());
    if (this.cache?.version === this.store.version) return this.cache;
    const problems = this.derive();
    this.cache = {
      version: this.store.version,
      problems,
      byId: new Map(problems.map((p) => [p.problemId, p])),
    };
    return this.cache;
  }

  private derive(): SimProblem[] {
    const opening = [...this.store.all()].filter(opensProblem).sort(byStart);
    const groups: SimEvent[][] = [];
    const current = new Map<string, SimEvent[]>();
    for (const e of opening) {
      const merge = e.properties?.["dt.event.allow_davis_merge"] !== "false";
      const group = merge ? current.get(e.entityId) : undefined;
      if (group && openAt(group, e.startTime)) {
        group.push(e);
        continue;
      }
      const fresh = [e];
      groups.push(fresh);
      if (merge) current.set(e.entityId, fresh);
    }
    return groups.map((g) => this.toProblem(g)).reverse();
  }

  private toProblem(events: SimEvent[]): SimProblem {
    const first = events[0] as SimEvent;
    const problemId = `${first.eventId}_${first.startTime}V2`;
    let n = this.displayNumbers.get(problemId);
    if (n === undefined) {
      n = this.displayNumbers.size + 1;
      this.displayNumbers.set(problemId, n);
    }
    const open = events.some((e) => e.endTime === -1);
    const worst = (order: string[], of: (e: SimEvent) => string) =>
      order[Math.min(...events.map((e) => order.indexOf(of(e))))] as string;
    return {
      problemId,
      displayId: `P-${n}`,
      title: titleOf(first),
      status: open ? "OPEN" : "CLOSED",
      severityLevel: worst(PROBLEM_SEVERITIES, (e) => e.severityLevel as string),
      impactLevel: worst(PROBLEM_IMPACTS, impactOf),
      startTime: first.startTime,
      endTime: open ? -1 : Math.max(...events.map((e) => e.endTime)),
      entity: {
        entityId: { id: first.entityId, type: first.entityId.split("-")[0] ?? "" },
        name: first.entityName,
      },
      managementZones: managementZonesOf(first.entityId),
      entityTags: entityTagsOf(first.entityId),
      events,
    };
  }
}
