import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One line of a benchmark's table. */
export type Row = Record<string, string | number>;

/** A target from issue 6 and whether this run met it. */
export interface TargetResult {
  target: string;
  measured: number;
  limit: number;
  comparison: ">=" | "<=";
  met: boolean;
}

/** Compares a measurement with its limit. */
export function check(
  target: string,
  measured: number,
  comparison: ">=" | "<=",
  limit: number,
): TargetResult {
  const met = comparison === ">=" ? measured >= limit : measured <= limit;
  return { target, measured: round(measured), limit, comparison, met };
}

/** Rounds for tables and JSON: 3 significant decimals is all a noisy machine supports. */
export function round(n: number): number {
  if (!Number.isFinite(n)) return n;
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : 4;
  return Number(n.toFixed(digits));
}

/** Prints rows as an aligned table under a title. */
export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) =>
    v === undefined ? "" : typeof v === "number" ? String(round(v)) : v;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padStart(widths[i] ?? 0)).join("  ");
  console.log(line(columns));
  for (const r of rows) console.log(line(columns.map((c) => cell(r[c]))));
}

/** Prints the targets with a verdict each. */
export function printTargets(targets: TargetResult[]): void {
  printTable(
    "targets",
    targets.map((t) => ({
      target: t.target,
      measured: t.measured,
      limit: `${t.comparison} ${t.limit}`,
      verdict: t.met ? "met" : "MISSED",
    })),
  );
}

/**
 * Where results go: bench/results (the committed reference runs), or BENCH_RESULTS_DIR, which CI
 * sets so that a run never rewrites tracked files.
 */
export const RESULTS_DIR =
  process.env.BENCH_RESULTS_DIR ?? join(dirname(fileURLToPath(import.meta.url)), "..", "results");

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/**
 * Writes a benchmark's results to bench/results/<name>.json with the machine and commit they came
 * from. Committed files are the reference runs; compare runs with `git diff bench/results`.
 */
export function writeResults(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const meta = {
    benchmark: name,
    date: new Date().toISOString(),
    commit: commit(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 2 ** 30),
  };
  writeFileSync(file, `${JSON.stringify({ ...meta, ...data }, null, 2)}\n`);
  return file;
}
