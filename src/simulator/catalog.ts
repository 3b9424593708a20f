/** One kind of event the simulator generates, with how often and how long. */
export interface EventKind {
  eventType: string;
  /** Absent on info-type events, as on real servers. */
  severityLevel?: string;
  impactLevel: string;
  weight: number;
  /** Mean minutes until it closes; 0 closes at once (info events). */
  meanOpenMinutes: number;
}

/** A realistic mix of v1 event types, severities and impact levels, including the odd ones. */
export const EVENT_KINDS: readonly EventKind[] = [
  {
    eventType: "CPU_SATURATED",
    severityLevel: "RESOURCE_CONTENTION",
    impactLevel: "INFRASTRUCTURE",
    weight: 12,
    meanOpenMinutes: 25,
  },
  {
    eventType: "MEMORY_SATURATED",
    severityLevel: "RESOURCE_CONTENTION",
    impactLevel: "INFRASTRUCTURE",
    weight: 6,
    meanOpenMinutes: 40,
  },
  {
    eventType: "HIGH_GC_ACTIVITY",
    severityLevel: "RESOURCE_CONTENTION",
    impactLevel: "INFRASTRUCTURE",
    weight: 5,
    meanOpenMinutes: 15,
  },
  {
    eventType: "CONNECTION_LOST",
    severityLevel: "AVAILABILITY",
    impactLevel: "INFRASTRUCTURE",
    weight: 4,
    meanOpenMinutes: 10,
  },
  {
    eventType: "PROCESS_CRASHED",
    severityLevel: "AVAILABILITY",
    impactLevel: "INFRASTRUCTURE",
    weight: 3,
    meanOpenMinutes: 5,
  },
  {
    eventType: "WEB_CHECK_GLOBAL_OUTAGE",
    severityLevel: "AVAILABILITY",
    impactLevel: "APPLICATION",
    weight: 1,
    meanOpenMinutes: 20,
  },
  {
    eventType: "UNEXPECTED_LOW_LOAD",
    severityLevel: "AVAILABILITY",
    impactLevel: "APPLICATION",
    weight: 2,
    meanOpenMinutes: 30,
  },
  {
    eventType: "FAILURE_RATE_INCREASED",
    severityLevel: "ERROR",
    impactLevel: "SERVICE",
    weight: 7,
    meanOpenMinutes: 20,
  },
  {
    eventType: "SERVICE_RESPONSE_TIME_DEGRADED",
    severityLevel: "PERFORMANCE",
    impactLevel: "SERVICE",
    weight: 9,
    meanOpenMinutes: 30,
  },
  {
    eventType: "APPLICATION_SLOWDOWN",
    severityLevel: "PERFORMANCE",
    impactLevel: "APPLICATION",
    weight: 3,
    meanOpenMinutes: 25,
  },
  {
    eventType: "MONITORING_UNAVAILABLE",
    severityLevel: "MONITORING_UNAVAILABLE",
    impactLevel: "INFRASTRUCTURE",
    weight: 2,
    meanOpenMinutes: 60,
  },
  {
    eventType: "CUSTOM_ALERT",
    severityLevel: "CUSTOM_ALERT",
    impactLevel: "ENVIRONMENT",
    weight: 2,
    meanOpenMinutes: 15,
  },
  {
    eventType: "CUSTOM_INFO",
    severityLevel: "INFO",
    impactLevel: "INFRASTRUCTURE",
    weight: 4,
    meanOpenMinutes: 0,
  },
  {
    eventType: "CUSTOM_DEPLOYMENT",
    severityLevel: "INFO",
    impactLevel: "SERVICE",
    weight: 3,
    meanOpenMinutes: 0,
  },
  { eventType: "PROCESS_RESTART", impactLevel: "INFRASTRUCTURE", weight: 6, meanOpenMinutes: 0 },
  {
    eventType: "MARKED_FOR_TERMINATION",
    impactLevel: "INFRASTRUCTURE",
    weight: 1,
    meanOpenMinutes: 0,
  },
];

/** Entity type prefix per impact level, for plausible entity ids. */
export const ENTITY_PREFIX: Record<string, string> = {
  INFRASTRUCTURE: "HOST",
  SERVICE: "SERVICE",
  APPLICATION: "APPLICATION",
  ENVIRONMENT: "ENVIRONMENT",
};

/**
 * Event types of Dynatrace's INFO category. v1 omits `severityLevel` on some of them; the category
 * still classes them, so a correct exporter reports them as INFO.
 */
export const INFO_EVENT_TYPES: ReadonlySet<string> = new Set([
  "CUSTOM_ANNOTATION",
  "CUSTOM_CONFIGURATION",
  "CUSTOM_DEPLOYMENT",
  "CUSTOM_INFO",
  "MARKED_FOR_TERMINATION",
  "PROCESS_RESTART",
]);
