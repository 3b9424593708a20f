import { spawnSync } from "node:child_process";
import { requireProgram, skipWithout } from "./programs.js";

/** Why a promtool test cannot run here, or false when it can (see {@link skipWithout}). */
export function promtoolSkip(): string | false {
  return skipWithout("promtool");
}

/** Runs `promtool check metrics` on an exposition; returns its exit status and output. */
export function checkMetrics(exposition: string): { status: number | null; output: string } {
  const r = spawnSync(requireProgram("promtool"), ["check", "metrics"], {
    input: exposition,
    encoding: "utf8",
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ""}` };
}
