/** Value exported for a dimension the API did not send. */
export const UNKNOWN = "unknown";

/**
 * One event reduced to what the exporter counts. Produced by the v1 (and later v2) page parsers;
 * independent of API generation.
 */
export interface FeedEvent {
  /** Exact, unique key: the server's `id`, else `<eventId>_<startTime>` from the exact eventId. */
  key: string;
  eventType: string;
  severityLevel: string;
  impactLevel: string;
  open: boolean;
  startTime: number;
  /** -1 while the event is open. */
  endTime: number;
}
