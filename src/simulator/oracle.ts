import { INFO_EVENT_TYPES } from "./catalog.js";
import type { EventLife } from "./event-life.js";
import type { SimProblem, SimProblems } from "./problems.js";
import type { SimEvent } from "./sim-event.js";
import type { SimEventStore } from "./sim-store.js";

/** A grouping key for the oracle's counts; an array counts the item once under each key. */
export type CountKey<T> = (item: T) => string | readonly string[];

/** The default event key: `type/severity/impact/status`, as the exporter's event gauge labels them. */
export const EVENT_KEY: CountKey<SimEvent> = (e) =>
  [
    e.eventType,
    e.severityLevel ?? (INFO_EVENT_TYPES.has(e.eventType) ? "INFO" : "unknown"),
    e.impactLevel ?? "unknown",
    e.endTime === -1 ? "OPEN" : "CLOSED",
  ].join("/");

/** The default problem key: `severity/impact/status`. */
export const PROBLEM_KEY: CountKey<SimProblem> = (p) => `${p.severityLevel}/${p.impactLevel}/${p.status}`;

function count<T>(items: Iterable<T>, key: CountKey<T>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const keys = key(item);
    for (const k of typeof keys === "string" ? [keys] : keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * What a correct exporter should show, computed from the simulator's own state and nothing the
 * exporter wrote: the truth tests compare against. Every read first ends the ingested events whose
 * timeout has passed on the simulator's clock, exactly as an API read would.
 */
export class SimOracle {
  constructor(
    private readonly store: SimEventStore,
    private readonly problems: SimProblems,
    private readonly life: EventLife,
    private readonly clock: () => number,
  ) {}

  /** Events open now, or closed with their end at or after `now - windowMs`. */
  eventsInWindow(windowMs: number): SimEvent[] {
    this.life.sweep(this.clock());
    const cutoff = this.clock() - windowMs;
    return [...this.store.all()].filter((e) => e.endTime === -1 || e.endTime >= cutoff);
  }

  /** {@link eventsInWindow} counted by `key` (default `type/severity/impact/status`). */
  countsInWindow(windowMs: number, key: CountKey<SimEvent> = EVENT_KEY): Map<string, number> {
    return count(this.eventsInWindow(windowMs), key);
  }

  /** Problems open now, or closed with their end at or after `now - windowMs`, newest first. */
  problemsInWindow(windowMs: number): SimProblem[] {
    const cutoff = this.clock() - windowMs;
    return this.problems.all().filter((p) => p.endTime === -1 || p.endTime >= cutoff);
  }

  /** {@link problemsInWindow} counted by `key` (default `severity/impact/status`). */
  problemCountsInWindow(windowMs: number, key: CountKey<SimProblem> = PROBLEM_KEY): Map<string, number> {
    return count(this.problemsInWindow(windowMs), key);
  }

  /** The problem an event with this correlation id (as the ingest answered it) belongs to. */
  problemOfCorrelationId(correlationId: string): SimProblem | undefined {
    return this.problems.all().find((p) => p.events.some((e) => e.correlationId === correlationId));
  }

  /** Problems open now, newest first. */
  openProblems(): SimProblem[] {
    return this.problems.all().filter((p) => p.status === "OPEN");
  }

  /** Problems that opened in (from, to], newest first (what an "opened" counter should add up). */
  problemsOpenedBetween(from: number, to: number): SimProblem[] {
    return this.problems.all().filter((p) => p.startTime > from && p.startTime <= to);
  }

  /** Durations (ms, end - start) of problems that closed in (from, to]: time to resolve. */
  closedProblemDurations(from: number, to: number): number[] {
    return this.problems
      .all()
      .filter((p) => p.status === "CLOSED" && p.endTime > from && p.endTime <= to)
      .map((p) => p.endTime - p.startTime);
  }
}
