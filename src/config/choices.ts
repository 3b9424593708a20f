/**
 * The fixed sets some settings choose from, apart from types.ts so that the declarations and the
 * derived types share them without an import cycle.
 */

/** Log levels accepted by LOG_LEVEL, as pino names them. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Event types the relay may push with the v1 API. */
export const V1_PUSH_EVENT_TYPES = [
  "AVAILABILITY_EVENT",
  "CUSTOM_ALERT",
  "CUSTOM_ANNOTATION",
  "CUSTOM_CONFIGURATION",
  "CUSTOM_DEPLOYMENT",
  "CUSTOM_INFO",
  "ERROR_EVENT",
  "MARKED_FOR_TERMINATION",
  "PERFORMANCE_EVENT",
  "RESOURCE_CONTENTION",
] as const;
