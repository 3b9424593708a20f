/** Buckets of `dynatrace_problem_duration_seconds` (1 minute to 1 week). */
export const PROBLEM_DURATION_BUCKETS: readonly number[] = [
  60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 259_200, 604_800,
];

/** Closed problems' durations of one severity: counts per bucket (not cumulative), sum, count. */
export interface DurationCounts {
  /** Per {@link PROBLEM_DURATION_BUCKETS} entry, problems at or below it and above the one before. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * What the problem families read for one environment; implemented by the problems collector
 * (metrics depends on this interface, not on the collector).
 */
export interface ProblemsView {
  environment: string;
  /** Encoded static labels (`,team="a"`), "" when none. */
  staticLabels: string;
  /** True when problems are counted once per management zone (the HELP text says so). */
  perZone: boolean;
  /** Changes whenever anything {@link ProblemsView} reports changes. */
  readonly version: number;
  /** Each held label set (`severity_level="..",impact_level=".."` + opt-in labels) with its counts. */
  forEachSet(fn: (labels: string, open: number, closed: number, opened: number) => void): void;
  /** Closed problems' durations by severity level. */
  forEachDuration(fn: (severityLevel: string, d: DurationCounts) => void): void;
  /** 1 when the last problems drain succeeded, else 0. */
  up(): number;
  /** True while the collector is off because the token lacks `problems.read`. */
  scopeMissing(): boolean;
}
