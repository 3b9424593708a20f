import { spawnSync } from "node:child_process";

/** Whether Prometheus' promtool (Debian package `prometheus`) is on PATH. */
export function hasPromtool(): boolean {
  return spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Why a promtool test cannot run here, or false when it can. In CI (CI=true) a missing promtool
 * is a failure, not a skip: .ci/run installs it.
 */
export function promtoolSkip(): string | false {
  if (hasPromtool() || process.env.CI === "true") return false;
  return "promtool not installed (apt-get install prometheus)";
}

/** Runs `promtool check metrics` on an exposition; returns its exit status and output. */
export function checkMetrics(exposition: string): { status: number | null; output: string } {
  const r = spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ""}` };
}
