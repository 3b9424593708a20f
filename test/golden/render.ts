import { startHarness } from "../helpers/harness.js";

/** The demo's shape in miniature: seeded history, fixed clock, one full drain, relay on. */
const SEED = 7;
const EVENTS = 2000;
const DAY_MS = 86_400_000;

/**
 * `/metrics` (Prometheus text format) after one drain of a seeded simulated history, minus the
 * lines that differ by machine or run: process and Node.js metrics, the Node version in build_info,
 * and drain durations measured with the wall clock. Everything else is a function of the seed.
 */
export async function renderGolden(): Promise<string> {
  // A generous request timeout: the harness default (0.3 s) is for fault tests and flakes on a busy machine.
  const h = await startHarness({
    sim: { seed: SEED, environmentId: "golden" },
    relay: true,
    env: { HTTP_TIMEOUT: "30s" },
  });
  try {
    h.sim.generator.history(EVENTS, DAY_MS, h.clock.now());
    if (!(await h.drain())) throw new Error("the golden drain failed");
    const text = (await h.app.metricsText(false)).body.toString("utf8");
    return text
      .split("\n")
      .filter((line) => !/^(# (HELP|TYPE) )?(process_|nodejs_)/.test(line))
      .filter((line) => !/^dynatrace_drain_duration_seconds_(bucket|sum)/.test(line))
      .map((line) => line.replace(/nodejs_version="[^"]*"/, 'nodejs_version="<node>"'))
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .replace(/^\n+/, "");
  } finally {
    await h.close();
  }
}
