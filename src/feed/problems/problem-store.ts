import { type FeedProblem, SEVERITY_LEVELS } from "../../dynatrace/problems-v2.js";
import { type Dimensions, type LabelSetCap, LabelSets } from "../label-sets.js";
import { escapeLabelValue } from "../../metrics/text-family.js";
import { type DurationCounts, PROBLEM_DURATION_BUCKETS } from "../../metrics/problem-view.js";

/** Most severity levels with their own duration histogram; later ones share `other`. */
const MAX_SEVERITIES = 16;

/** One problem held: the label sets it counts under (one per zone), status and times. */
interface Held {
  sets: number[];
  open: boolean;
  start: number;
  end: number;
  generation: number;
  /** The end whose duration was observed, or -1: one closure is observed once. */
  observedEnd: number;
}

/** A problem as the store counts it: the parsed problem and its encoded opt-in label texts. */
export interface LabelledProblem {
  problem: FeedProblem;
  /** One encoded text per label set (`,management_zone="a"`); [""] without opt-in labels. */
  extras: string[];
}

/**
 * The problems of one environment in the window, with counts per label set (open, closed, first
 * seen) and the durations of the closures seen. Label sets are interned with the series cap; a
 * problem in several zones counts in each zone's set once.
 */
export class ProblemStore {
  readonly labelSets: LabelSets;
  private readonly problems = new Map<string, Held>();
  private open: number[] = [];
  private closed: number[] = [];
  private opened: number[] = [];
  private readonly lastUsed: number[] = [];
  private readonly durations = new Map<string, DurationCounts>();
  private changes = 0;

  constructor(cap?: LabelSetCap) {
    this.labelSets = new LabelSets(cap);
    this.initDurations();
  }

  private initDurations(): void {
    this.durations.clear();
    // The documented levels' histograms exist from the start (at 0), so `increase()` sees the
    // first closure and percentile panels have series before any closure.
    for (const level of SEVERITY_LEVELS) {
      this.durations.set(level, { buckets: PROBLEM_DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 });
    }
  }

  /** Changes whenever a reported count does. */
  get version(): number {
    return this.changes;
  }

  /** Problems held. */
  get size(): number {
    return this.problems.size;
  }

  /**
   * Inserts or updates a problem. `countNew`: a problem not held before counts as opened;
   * `observeClosure`: a closure not yet observed is added to the durations.
   */
  upsert(p: LabelledProblem, generation: number, countNew: boolean, observeClosure: boolean): void {
    const { problem } = p;
    const sets = [...new Set(p.extras.map((extra) => this.labelSets.intern(dims(problem, extra))))];
    let held = this.problems.get(problem.id);
    const isNew = held === undefined;
    if (held === undefined) {
      held = {
        sets,
        open: problem.open,
        start: problem.startTime,
        end: problem.endTime,
        generation,
        observedEnd: -1,
      };
      this.problems.set(problem.id, held);
      if (countNew) for (const s of sets) this.opened[s] = (this.opened[s] ?? 0) + 1;
    }
    held.sets = sets;
    held.open = problem.open;
    held.start = problem.startTime;
    held.end = problem.endTime;
    held.generation = generation;
    if (!problem.open && held.observedEnd !== problem.endTime) {
      if (observeClosure || !isNew) this.observe(problem.severityLevel, problem.endTime - problem.startTime);
      held.observedEnd = problem.endTime;
    }
    this.changes++;
  }

  /**
   * Removes problems a full read (stamped `generation`) did not return, and closed problems that
   * ended before `cutoff`; then recounts, and releases label sets unused for `retainMs`.
   */
  settle(now: number, cutoff: number, retainMs: number, sweepGeneration?: number): void {
    for (const [id, h] of this.problems) {
      const stale = sweepGeneration !== undefined && h.generation !== sweepGeneration;
      if (stale || (!h.open && h.end < cutoff)) this.problems.delete(id);
    }
    this.open = [];
    this.closed = [];
    for (const h of this.problems.values()) {
      const into = h.open ? this.open : this.closed;
      for (const s of h.sets) {
        into[s] = (into[s] ?? 0) + 1;
        this.lastUsed[s] = now;
      }
    }
    for (let id = 0; id < this.labelSets.count; id++) {
      if (this.labelSets.find(id) === undefined || (this.open[id] ?? 0) + (this.closed[id] ?? 0) > 0)
        continue;
      const last = this.lastUsed[id] ?? Number.NaN;
      // A set whose problems left before it was ever counted starts its idle time now.
      if (Number.isNaN(last)) this.lastUsed[id] = now;
      if (Number.isNaN(last) || now < last + retainMs) continue;
      this.labelSets.release(id);
      this.opened[id] = 0;
      this.lastUsed[id] = Number.NaN;
    }
    this.changes++;
  }

  /** Forgets every problem and count (the collector was turned off). */
  clear(): void {
    this.problems.clear();
    for (let id = 0; id < this.labelSets.count; id++) this.labelSets.release(id);
    this.open = [];
    this.closed = [];
    this.opened = [];
    this.initDurations();
    this.changes++;
  }

  /** Each held label set's encoded labels with its open, closed and first-seen counts. */
  forEachSet(fn: (labels: string, open: number, closed: number, opened: number) => void): void {
    for (let id = 0; id < this.labelSets.count; id++) {
      const d = this.labelSets.find(id);
      if (d === undefined) continue;
      const labels = `severity_level="${escapeLabelValue(d.severityLevel)}",impact_level="${escapeLabelValue(d.impactLevel)}"${d.extra ?? ""}`;
      fn(labels, this.open[id] ?? 0, this.closed[id] ?? 0, this.opened[id] ?? 0);
    }
  }

  /** Closed problems' durations by severity level. */
  forEachDuration(fn: (severityLevel: string, d: DurationCounts) => void): void {
    for (const [severity, d] of this.durations) fn(severity, d);
  }

  private observe(level: string, ms: number): void {
    const seconds = Math.max(0, ms) / 1000;
    // Severity levels come from the tenant: seven are documented, a few more are allowed.
    const severity = this.durations.has(level) || this.durations.size < MAX_SEVERITIES ? level : "other";
    let d = this.durations.get(severity);
    if (d === undefined) {
      d = { buckets: PROBLEM_DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(severity, d);
    }
    const i = PROBLEM_DURATION_BUCKETS.findIndex((le) => seconds <= le);
    if (i >= 0) d.buckets[i] = (d.buckets[i] ?? 0) + 1;
    d.sum += seconds;
    d.count++;
  }
}

function dims(p: FeedProblem, extra: string): Dimensions {
  return { eventType: "", severityLevel: p.severityLevel, impactLevel: p.impactLevel, extra };
}
