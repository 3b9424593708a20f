import { collectDefaultMetrics, Gauge, Registry } from "prom-client";

const MISNAMED_DEFAULT_GAUGES = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/**
 * A fresh registry holding prom-client's default process metrics and
 * `dynatrace_exporter_build_info`. Never the global default registry, so tests and several apps in
 * one process do not share state.
 */
export function createRegistry(version: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named *_total break the naming convention (promtool check metrics rejects them); the
  // same figures are exported per type without the suffix (nodejs_active_handles and friends).
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  const buildInfo = new Gauge({
    name: "dynatrace_exporter_build_info",
    help: "Always 1; labels carry the exporter version and the Node.js version it runs on.",
    labelNames: ["version", "nodejs_version"] as const,
    registers: [registry],
  });
  buildInfo.set({ version, nodejs_version: process.version }, 1);
  return registry;
}
