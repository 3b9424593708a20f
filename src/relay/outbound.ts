import type { Alarm, OutboundAlarm, UpstreamApi } from "./alarm.js";
import { toV2Ingest } from "./to-v2.js";

/**
 * The alarm in the shape of the configured upstream API. The body is fixed at intake, so a later
 * change of RELAY_API_VERSION never sends a queued body to the wrong endpoint.
 */
export function toOutbound(alarm: Alarm, api: UpstreamApi): OutboundAlarm {
  return {
    source: alarm.source,
    dedupeKey: alarm.dedupeKey,
    api,
    body: api === "v1" ? alarm.payload : toV2Ingest(alarm.payload),
  };
}
