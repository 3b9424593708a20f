import { SimulatedDynatrace, type SimulatorOptions } from "../../src/simulator/server.js";
import { ManualClock } from "./clock.js";
import { type Exporter, startExporter } from "./exporters.js";

/**
 * Simulators and exporters a test started on one test-driven clock, stopped together: `start`
 * adds an exporter (its own outbox) with `env`, `close` ends everything.
 */
export class RelaySims {
  private readonly sims: SimulatedDynatrace[] = [];
  private readonly exporters: Exporter[] = [];

  /** A simulator without background events on a fresh clock, and a way to start exporters on it. */
  async setup(env: Record<string, string>, options: SimulatorOptions = {}) {
    const clock = new ManualClock();
    const sim = new SimulatedDynatrace({ clock: () => clock.now(), eventsPerMinute: 0, ...options });
    await sim.listen();
    this.sims.push(sim);
    const start = async () => {
      const e = await startExporter(sim, clock, env);
      this.exporters.push(e);
      return e;
    };
    return { sim, clock, start };
  }

  async close(): Promise<void> {
    await Promise.all(this.exporters.splice(0).map((e) => e.stop()));
    await Promise.all(this.sims.splice(0).map((s) => s.close()));
  }
}
