import type { Alarm, OutboundAlarm, UpstreamApi } from "./alarm.js";
import { selectorValue, toV2Ingest } from "./to-v2.js";

/**
 * The alarm in the shape of the configured upstream API. The body is fixed at intake, so a later
 * change of RELAY_API_VERSION never sends a queued body to the wrong endpoint.
 */
export function toOutbound(alarm: Alarm, api: UpstreamApi): OutboundAlarm {
  return {
    source: alarm.source,
    dedupeKey: alarm.dedupeKey,
    api,
    body: api === "v1" ? alarm.payload : v2Body(alarm),
    ...(alarm.identity === undefined ? {} : { identity: alarm.identity }),
    ...(alarm.state === undefined ? {} : { state: alarm.state }),
    ...(alarm.alert === undefined ? {} : { alert: alarm.alert }),
  };
}

function v2Body(alarm: Alarm) {
  const body = toV2Ingest(alarm.payload);
  if (alarm.attachHost !== undefined) {
    body.entitySelector = `type("HOST"),entityName.equals(${selectorValue(alarm.attachHost)})`;
  }
  return body;
}
