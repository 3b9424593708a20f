import { netdataIdentity, type V1EventCreation } from "../alarm.js";
import { type AlertFacts, netdataDescription, netdataFacts } from "./alert-facts.js";

/**
 * The alert facts of a v1 push sent by netdata's notifier (`{alert}`), or nothing when its
 * description is not netdata's `<host> <chart>.<alarm> is <status>` with a known status.
 */
export function netdataAlert(payload: V1EventCreation): { alert?: AlertFacts } {
  const d = netdataDescription(payload.description);
  if (!d || !["CLEAR", "WARNING", "CRITICAL"].includes(d.status)) return {};
  return {
    alert: netdataFacts("netdata", {
      key: netdataIdentity(d.host, d.chartAlarm),
      host: d.host,
      chartAlarm: d.chartAlarm,
      status: d.status,
      source: payload.source,
    }),
  };
}
