import { entityTagsOf, managementZonesOf } from "./entity-meta.js";
import type { EventLife } from "./event-life.js";
import {
  impactOf,
  opensProblem,
  PROBLEM_IMPACTS,
  PROBLEM_SEVERITIES,
  type ProblemCloseRecord,
  type SimProblem,
  titleOf,
} from "./problem-rules.js";
import { compareOldestFirst, mergeOldestFirst, type SimEvent } from "./sim-event.js";
import type { SimEventStore } from "./sim-store.js";

/** A problem being derived: its events and until when it is open (Infinity while any is). */
interface Group {
  events: SimEvent[];
  openUntil: number;
}

function openUntil(e: SimEvent): number {
  return e.endTime === -1 ? Number.POSITIVE_INFINITY : e.endTime;
}

/**
 * The simulated environment's problems, derived from the same events the feeds serve: each
 * problem-opening event (not `dt.event.suppress_problem`) joins the problem open on its entity at
 * its start, else opens a new one (`dt.event.allow_davis_merge=false`: always its own). A problem
 * is closed when all its events are. Derived lazily at read time (after ending timed-out ingested
 * events), so a jump of a manual clock shows at the next read. Ids are stable: a problem keeps the
 * id (and title) it was first seen with, made from its first event, even when a back-dated event
 * later becomes its first.
 */
export class SimProblems {
  /** Closes done through the API, in order. */
  readonly closes: ProblemCloseRecord[] = [];
  private readonly displayNumbers = new Map<string, number>();
  /** The problem each event was last seen in, so a late, back-dated event does not rename it. */
  private readonly problemOfEvent = new WeakMap<SimEvent, string>();
  /** The event each problem id was made from (its title is the problem's). */
  private readonly origins = new Map<string, SimEvent>();
  /** Problem-opening events, oldest first, caught up incrementally from the store's log. */
  private order: SimEvent[] = [];
  private orderAdds = 0;
  private orderResets = -1;
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

  /** The problem-opening events oldest first; new ones are merged in, not the whole set re-sorted. */
  private opening(): SimEvent[] {
    if (this.store.resets !== this.orderResets) {
      this.order = [...this.store.all()].filter(opensProblem).sort(compareOldestFirst);
    } else {
      const fresh = this.store.addedSince(this.orderAdds).filter(opensProblem).sort(compareOldestFirst);
      this.order = mergeOldestFirst(this.order, fresh);
    }
    this.orderAdds = this.store.addCount;
    this.orderResets = this.store.resets;
    return this.order;
  }

  private derive(): SimProblem[] {
    const opening = this.opening();
    const groups: Group[] = [];
    const current = new Map<string, Group>();
    for (const e of opening) {
      const merge = e.properties?.["dt.event.allow_davis_merge"] !== "false";
      const group = merge ? current.get(e.entityId) : undefined;
      // Open at e's start: some event of the group has not ended by then.
      if (group && group.openUntil > e.startTime) {
        group.events.push(e);
        group.openUntil = Math.max(group.openUntil, openUntil(e));
        continue;
      }
      const fresh = { events: [e], openUntil: openUntil(e) };
      groups.push(fresh);
      if (merge) current.set(e.entityId, fresh);
    }
    return groups.map((g) => this.toProblem(g.events)).reverse();
  }

  /**
   * The id of a derived group: the oldest id any of its events already had (ids stay stable when
   * a back-dated event becomes the group's first), else a new one from its first event.
   */
  private identify(events: SimEvent[]): { problemId: string; n: number } {
    let problemId: string | undefined;
    let n = Number.POSITIVE_INFINITY;
    for (const e of events) {
      const known = this.problemOfEvent.get(e);
      const number = known === undefined ? undefined : this.displayNumbers.get(known);
      if (known !== undefined && number !== undefined && number < n) [problemId, n] = [known, number];
    }
    if (problemId === undefined) {
      const first = events[0] as SimEvent;
      problemId = `${first.eventId}_${first.startTime}V2`;
      n = this.displayNumbers.size + 1;
      this.displayNumbers.set(problemId, n);
      this.origins.set(problemId, first);
    }
    for (const e of events)
      if (this.problemOfEvent.get(e) !== problemId) this.problemOfEvent.set(e, problemId);
    return { problemId, n };
  }

  private toProblem(events: SimEvent[]): SimProblem {
    const first = events[0] as SimEvent;
    const { problemId, n } = this.identify(events);
    let open = false;
    let end = 0;
    let severity = PROBLEM_SEVERITIES.length - 1;
    let impact = PROBLEM_IMPACTS.length - 1;
    for (const e of events) {
      if (e.endTime === -1) open = true;
      end = Math.max(end, e.endTime);
      severity = Math.min(severity, PROBLEM_SEVERITIES.indexOf(e.severityLevel as string));
      impact = Math.min(impact, PROBLEM_IMPACTS.indexOf(impactOf(e)));
    }
    return {
      problemId,
      displayId: `P-${n}`,
      title: titleOf(this.origins.get(problemId) ?? first),
      status: open ? "OPEN" : "CLOSED",
      severityLevel: PROBLEM_SEVERITIES[severity] as string,
      impactLevel: PROBLEM_IMPACTS[impact] as string,
      startTime: first.startTime,
      endTime: open ? -1 : end,
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

export {
  opensProblem,
  PROBLEM_IMPACTS,
  PROBLEM_SEVERITIES,
  type ProblemCloseRecord,
  type SimEntityRef,
  type SimProblem,
} from "./problem-rules.js";
