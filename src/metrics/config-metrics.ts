import { Gauge, type Registry } from "prom-client";

/** Outcome of configuration (re)loads, as Prometheus itself exports it. */
export class ConfigMetrics {
  private readonly successful: Gauge;
  private readonly lastSuccess: Gauge;

  constructor(registry: Registry) {
    this.successful = new Gauge({
      name: "dynatrace_config_last_reload_successful",
      help: "1 if the last configuration (re)load succeeded, 0 if it failed (the previous configuration stays in effect).",
      registers: [registry],
    });
    this.lastSuccess = new Gauge({
      name: "dynatrace_config_last_reload_success_timestamp_seconds",
      help: "Unix time of the last successful configuration (re)load.",
      registers: [registry],
    });
  }

  /** Records a load's outcome at `at` (ms). */
  record(ok: boolean, at: number): void {
    this.successful.set(ok ? 1 : 0);
    if (ok) this.lastSuccess.set(at / 1000);
  }
}
