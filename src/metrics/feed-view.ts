/**
 * What the feed's metrics read at scrape time, declared here so that metrics/ depends on no layer
 * above it: the feed's event store implements {@link EventCounts}, the feed set hands out
 * {@link FeedView}s. Read-only by design: a scrape never changes what it reads.
 */

/** The three label values an event is counted under, besides its status. */
export interface CountLabels {
  readonly eventType: string;
  readonly severityLevel: string;
  readonly impactLevel: string;
}

/** Label sets by small integer id; an id may be released and reused for another set. */
export interface LabelSetTable {
  /** One more than the highest id in use. */
  readonly count: number;
  /** The set behind an id, undefined when the id is free. A reused id yields a new object. */
  find(id: number): CountLabels | undefined;
}

/** An environment's event counts per label set and status, as the store keeps them. */
export interface EventCounts {
  /** Distinct events held. */
  readonly size: number;
  /** Changes whenever a count that the two `forEach` methods report does. */
  readonly version: number;
  readonly labelSets: LabelSetTable;
  /** The store's clock (ms). */
  now(): number;
  /**
   * Calls `fn` for each (label set, status) with events, and for each that dropped to zero less
   * than `retainZeroMs` ago. Returns when the first of those zeros expires (Infinity if none).
   */
  forEachCount(
    retainZeroMs: number,
    fn: (labelSet: number, labels: CountLabels, status: "OPEN" | "CLOSED", n: number) => void,
  ): number;
  /** Calls `fn` for every label set held with its count of events first seen after start. */
  forEachObserved(fn: (labelSet: number, n: number) => void): void;
}

/** What the scrape-time collectors read for one environment. */
export interface FeedView {
  environment: string;
  store: EventCounts;
  /** A label set that reached zero is still exported (as 0) for this long. */
  retainZeroMs: number;
  /** `dynatrace_up` now (0 while a drain is overdue); without it the value last set is kept. */
  up?: () => number;
}
