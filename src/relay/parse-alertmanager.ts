import { z } from "zod";
import {
  type Alarm,
  contentKey,
  hostAttachRules,
  type MappingDefaults,
  withRequiredFields,
} from "./alarm.js";
import { InvalidAlarmError } from "./validation-error.js";

const stringMap = z.record(z.string(), z.string());

const webhook = z.object({
  version: z.string().refine((v) => v === "4", "only payload version 4 is supported"),
  status: z.enum(["firing", "resolved"]),
  externalURL: z.string().optional(),
  receiver: z.string().optional(),
  alerts: z
    .array(
      z.object({
        status: z.enum(["firing", "resolved"]),
        labels: stringMap,
        annotations: stringMap.default({}),
        startsAt: z.iso.datetime({ offset: true }),
        endsAt: z.string().optional(),
        generatorURL: z.string().optional(),
        fingerprint: z.string().optional(),
      }),
    )
    .min(1)
    .max(1000),
});

/** `source` of events relayed from Alertmanager. */
export const ALERTMANAGER_SOURCE = "Prometheus Alertmanager";

/**
 * Maps an Alertmanager webhook (payload version 4) to one alarm per alert. Firing and resolved
 * alerts get `[FIRING]` / `[RESOLVED]` titles; labels become custom properties as they are,
 * annotations as `annotation.<name>`. The dedupe key is fingerprint, status and start time, so an
 * HA pair's double delivery and re-sends of the same state are suppressed within the window.
 * Alerts are attached by their `dynatrace_entity_id` label, else by RELAY_TAG, else by the host
 * from the `host` or `instance` label (port removed).
 */
export function parseAlertmanager(body: unknown, defaults: MappingDefaults): Alarm[] {
  const parsed = webhook.safeParse(body);
  if (!parsed.success) throw InvalidAlarmError.fromZod("Alertmanager webhook", parsed.error);
  const { externalURL } = parsed.data;
  return parsed.data.alerts.map((a, i) => {
    const name = a.labels.alertname ?? "alert";
    const host = a.labels.host ?? a.labels.instance?.replace(/:\d+$/, "");
    const entityId = a.labels.dynatrace_entity_id;
    if (!entityId && !defaults.tag && !host) {
      throw new InvalidAlarmError(`alert ${i} (${name}) cannot be attached to an entity`, [
        {
          path: `alerts.${i}.labels`,
          message: "needs a dynatrace_entity_id, host or instance label, or set RELAY_TAG",
        },
      ]);
    }
    const resolved = a.status === "resolved";
    const summary = a.annotations.summary ?? a.annotations.description;
    const properties: Record<string, string> = { ...a.labels, status: a.status, startsAt: a.startsAt };
    for (const [k, v] of Object.entries(a.annotations)) properties[`annotation.${k}`] = v;
    if (resolved && a.endsAt) properties.endsAt = a.endsAt;
    if (a.generatorURL) properties.generatorURL = a.generatorURL;
    if (a.fingerprint) properties.fingerprint = a.fingerprint;
    if (externalURL) properties.alertmanager = externalURL;
    const start = Date.parse(a.startsAt);
    const end = resolved && a.endsAt ? Date.parse(a.endsAt) : undefined;
    return {
      source: "alertmanager",
      ...(!entityId && !defaults.tag && host ? { attachHost: host } : {}),
      dedupeKey: `am:${a.fingerprint ?? contentKey("labels", a.labels)}:${a.status}:${a.startsAt}`,
      identity: `am:${a.fingerprint ?? contentKey("labels", a.labels)}`,
      payload: withRequiredFields({
        eventType: defaults.eventType,
        source: ALERTMANAGER_SOURCE,
        title: `[${resolved ? "RESOLVED" : "FIRING"}] ${name}`,
        description: summary ? `${name} is ${a.status}: ${summary}` : `${name} is ${a.status}`,
        attachRules: entityId ? { entityIds: [entityId] } : hostAttachRules(defaults, host as string),
        customProperties: properties,
        ...(Number.isFinite(start) ? { start } : {}),
        ...(end !== undefined && Number.isFinite(end) && end >= start ? { end } : {}),
      }),
    };
  });
}
