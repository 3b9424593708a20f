import { SEVERITY_LEVELS } from "../dynatrace/problems-v2.js";
import type { DrainStatus } from "../feed/drainer.js";
import type { FeedOverview } from "../feed/feed-set.js";
import type { FeedView } from "../metrics/feed-view.js";
import type { ProblemsView } from "../metrics/problem-view.js";

/** Severities in the order an operator reads them: the worst first; others follow by name. */
const SEVERITY_ORDER = SEVERITY_LEVELS;

/** Counts by severity, worst first. */
export type SeverityCounts = [severity: string, n: number][];

/** How an environment's feed is doing, as a word the page colours (and never colours alone). */
export type FeedState = "ok" | "failing" | "overdue" | "starting";

function sorted(counts: Map<string, number>): SeverityCounts {
  const rank = (s: string) => {
    const i = SEVERITY_ORDER.indexOf(s);
    return i < 0 ? SEVERITY_ORDER.length : i;
  };
  return [...counts].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Events open now per severity level, from the store's counts. */
export function openEventsBySeverity(view: FeedView): SeverityCounts {
  const counts = new Map<string, number>();
  view.store.forEachCount(0, (_id, labels, status, n) => {
    if (status === "OPEN" && n > 0)
      counts.set(labels.severityLevel, (counts.get(labels.severityLevel) ?? 0) + n);
  });
  return sorted(counts);
}

const SEVERITY_LABEL = /(?:^|,)severity_level="((?:[^"\\]|\\.)*)"/;

/** Problems open now per severity level; undefined when problems are not collected. */
export function openProblemsBySeverity(problems: ProblemsView | undefined): SeverityCounts | undefined {
  if (!problems) return undefined;
  const counts = new Map<string, number>();
  problems.forEachSet((labels, open) => {
    const severity = SEVERITY_LABEL.exec(labels)?.[1] ?? "unknown";
    if (open > 0) counts.set(severity, (counts.get(severity) ?? 0) + open);
  });
  return sorted(counts);
}

/** The state word of a drain status. */
export function feedState(s: DrainStatus): FeedState {
  if (s.lastError) return "failing";
  if (s.overdue) return "overdue";
  return s.succeededOnce ? "ok" : "starting";
}

/** What one row of the environments table shows. */
export interface EnvironmentRow {
  environment: string;
  host: string;
  apiVersion: string;
  state: FeedState;
  lastSuccessAt: number | undefined;
  events: SeverityCounts;
  problems: SeverityCounts | undefined;
  /** The reason code and HTTP status (no upstream text: see {@link errorText}). */
  error: { reason: string; status?: number; at: number } | undefined;
  /** The upstream error text: only for admins (it may echo what the tenant was sent). */
  errorText: string | undefined;
}

/** The environments table's rows; `admin` adds the upstream error text. */
export function environmentRows(overviews: FeedOverview[], admin: boolean): EnvironmentRow[] {
  return overviews.map((o) => {
    const e = o.status.lastError;
    return {
      environment: o.status.environment,
      host: o.host,
      apiVersion: o.apiVersion,
      state: feedState(o.status),
      lastSuccessAt: o.status.lastSuccessAt,
      events: openEventsBySeverity(o.view),
      problems: openProblemsBySeverity(o.problems),
      error: e ? { reason: e.reason, at: e.at, ...(e.status ? { status: e.status } : {}) } : undefined,
      errorText: admin && e ? e.message : undefined,
    };
  });
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago"; "just now" for a time ahead of `now`. */
export function ago(at: number, now: number): string {
  const s = Math.round((now - at) / 1000);
  if (s < 0) return "just now";
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
