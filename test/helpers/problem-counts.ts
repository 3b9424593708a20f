import { samples } from "./exposition.js";

/** What `dynatrace_problems` counts a problem by. */
export interface CountedProblem {
  status: string;
  /** -1 while open. */
  endTime: number;
  severityLevel: string;
  impactLevel: string;
}

/**
 * A tenant's truth: its open problems, and closed ones whose end lies in the window before `now`,
 * counted by `severity|impact|status`.
 */
export function problemCounts(
  problems: readonly CountedProblem[],
  now: number,
  windowMs: number,
): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of problems) {
    if (p.status === "CLOSED" && p.endTime < now - windowMs) continue;
    const k = `${p.severityLevel}|${p.impactLevel}|${p.status}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** The non-zero `dynatrace_problems` samples of an exposition (matching `match`), by the same key. */
export function exportedProblemCounts(text: string, match: Record<string, string> = {}): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples(text, "dynatrace_problems", match)) {
    if (s.value > 0) m.set(`${s.labels.severity_level}|${s.labels.impact_level}|${s.labels.status}`, s.value);
  }
  return m;
}
