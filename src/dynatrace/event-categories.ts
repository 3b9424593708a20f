/**
 * Severity (the v1 `severityLevel` spelling) implied by an event type's category, for v2 events
 * (which carry no severity) and for v1 info events that omit it. Types not listed stay `unknown`:
 * new types appear without notice, and guessing would put them in the wrong panel.
 */
const CATEGORY: Record<string, readonly string[]> = {
  AVAILABILITY: [
    "AVAILABILITY_EVENT",
    "CONNECTION_LOST",
    "ESXI_HOST_DISCONNECTED",
    "HOST_OF_SERVICE_UNAVAILABLE",
    "PROCESS_CRASHED",
    "PROCESS_UNAVAILABLE",
    "PGI_UNAVAILABLE",
    "SERVICE_UNAVAILABLE",
    "SYNTHETIC_GLOBAL_OUTAGE",
    "SYNTHETIC_LOCAL_OUTAGE",
    "SYNTHETIC_NODE_OUTAGE",
    "SYNTHETIC_PRIVATE_LOCATION_OUTAGE",
    "UNEXPECTED_HIGH_LOAD",
    "UNEXPECTED_LOW_LOAD",
    "WEB_CHECK_GLOBAL_OUTAGE",
    "WEB_CHECK_LOCAL_OUTAGE",
  ],
  ERROR: [
    "APPLICATION_ERROR_RATE_INCREASED",
    "ERROR_EVENT",
    "FAILURE_RATE_INCREASED",
    "JAVASCRIPT_ERROR_RATE_INCREASED",
    "SERVICE_ERROR_RATE_INCREASED",
  ],
  PERFORMANCE: [
    "APPLICATION_SLOWDOWN",
    "PERFORMANCE_EVENT",
    "SERVICE_RESPONSE_TIME_DEGRADED",
    "SERVICE_SLOWDOWN",
    "SLOW_DISK",
    "SYNTHETIC_SLOWDOWN",
  ],
  RESOURCE_CONTENTION: [
    "CPU_SATURATED",
    "HIGH_CONNECTIVITY_FAILURES",
    "HIGH_GC_ACTIVITY",
    "HIGH_LATENCY",
    "HIGH_NETWORK_ERROR_RATE",
    "HIGH_NETWORK_LOSS_RATE",
    "HIGH_NETWORK_UTILIZATION",
    "LOW_DISK_SPACE",
    "MEMORY_RESOURCES_EXHAUSTED",
    "MEMORY_SATURATED",
    "OVERLOADED_STORAGE",
    "RESOURCE_CONTENTION",
    "RESOURCE_CONTENTION_EVENT",
    "THREADS_RESOURCES_EXHAUSTED",
  ],
  CUSTOM_ALERT: ["CUSTOM_ALERT"],
  MONITORING_UNAVAILABLE: ["MONITORING_UNAVAILABLE"],
  INFO: [
    "CUSTOM_ANNOTATION",
    "CUSTOM_CONFIGURATION",
    "CUSTOM_DEPLOYMENT",
    "CUSTOM_INFO",
    "MARKED_FOR_TERMINATION",
    "PROCESS_RESTART",
  ],
};

const SEVERITY = new Map<string, string>();
for (const [severity, types] of Object.entries(CATEGORY)) for (const t of types) SEVERITY.set(t, severity);

/** Every event type listed above: the ones a filtered read can ask for by name. */
export const KNOWN_EVENT_TYPES: readonly string[] = [...SEVERITY.keys()];

/** The v1-spelled severity of an event type's category, or undefined when not known. */
export function severityOfEventType(eventType: string): string | undefined {
  return SEVERITY.get(eventType);
}
