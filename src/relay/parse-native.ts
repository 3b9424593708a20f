import { z } from "zod";
import {
  type Alarm,
  hostAttachRules,
  type MappingDefaults,
  netdataIdentity,
  withRequiredFields,
} from "./alarm.js";
import { netdataFacts } from "./lifecycle/alert-facts.js";
import { InvalidAlarmError } from "./validation-error.js";

// Host, chart and alarm make the alarm's identity: a blank one would merge unrelated alarms.
const name = z
  .string()
  .max(1000)
  .refine((s) => s.trim() !== "", "must not be empty or blank");

const nativeAlarm = z.object({
  host: name,
  alarm: name,
  chart: name,
  status: z.enum(["CLEAR", "WARNING", "CRITICAL"], { error: () => "must be CLEAR, WARNING or CRITICAL" }),
  value: z.union([z.number(), z.string().max(1000)]).optional(),
  units: z.string().max(100).optional(),
  info: z.string().max(4096).optional(),
  family: z.string().max(1000).optional(),
  /** Unix seconds or milliseconds, or an ISO timestamp. */
  time: z.union([z.number().nonnegative(), z.iso.datetime({ offset: true })]).optional(),
});

function toMs(time: number | string | undefined): number | undefined {
  if (time === undefined) return undefined;
  if (typeof time === "string") return Date.parse(time);
  return time < 1e11 ? Math.round(time * 1000) : Math.round(time);
}

/**
 * Maps a plain JSON alarm (host, alarm, chart, status CLEAR/WARNING/CRITICAL, value, units, info,
 * time) the way netdata maps its own: title `Netdata Alarm from <host>`, description
 * `<host> <chart>.<alarm> is <status>`, every field as a custom property. The dedupe key is host,
 * chart, alarm, status and time: the same transition sent twice is delivered once, and a change of
 * status is always delivered (CRITICAL → CLEAR → CRITICAL: all three).
 */
export function parseNativeAlarm(body: unknown, defaults: MappingDefaults): Alarm {
  const parsed = nativeAlarm.safeParse(body);
  if (!parsed.success) throw InvalidAlarmError.fromZod("alarm", parsed.error);
  const a = parsed.data;
  const start = toMs(a.time);
  const description = `${a.host} ${a.chart}.${a.alarm} is ${a.status}`;
  const properties: Record<string, string> = { description };
  for (const [k, v] of Object.entries(a)) properties[k] = String(v);
  return {
    source: "native",
    ...(defaults.tag === undefined ? { attachHost: a.host } : {}),
    dedupeKey: `native:${JSON.stringify([a.host, a.chart, a.alarm, a.status, a.time ?? null])}`,
    identity: netdataIdentity(a.host, `${a.chart}.${a.alarm}`),
    state: { identity: netdataIdentity(a.host, `${a.chart}.${a.alarm}`), order: start },
    alert: netdataFacts("native", {
      key: netdataIdentity(a.host, `${a.chart}.${a.alarm}`),
      host: a.host,
      chartAlarm: `${a.chart}.${a.alarm}`,
      status: a.status,
    }),
    payload: withRequiredFields({
      eventType: defaults.eventType,
      source: defaults.source,
      title: `Netdata Alarm from ${a.host}`,
      description,
      attachRules: hostAttachRules(defaults, a.host),
      customProperties: properties,
      ...(start !== undefined ? { start } : {}),
    }),
  };
}
