import { z } from "zod";
import {
  type Alarm,
  contentKey,
  hostAttachRules,
  type MappingDefaults,
  withRequiredFields,
} from "./alarm.js";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { alertmanagerFacts, cut, labelProperty, present } from "./lifecycle/alert-facts.js";
import { InvalidAlarmError, type RejectedAlert, type Violation } from "./validation-error.js";

const stringMap = z.record(z.string(), z.string());

/** An optional field that senders may also write as null: null is taken as absent. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === null ? undefined : v), schema.optional());

/**
 * The most alerts one notification may hold: a bound on the work of one request (a 2-byte
 * invalid entry costs as much to judge as a real alert). Alertmanager's `max_alerts` and the body
 * limit keep real groups below it.
 */
export const MAX_ALERTS = 20_000;

/** The alerts of a notification: at least one, at most {@link MAX_ALERTS}. */
export const alertList = z
  .array(z.unknown())
  .min(1)
  .max(MAX_ALERTS, `at most ${MAX_ALERTS} alerts per notification (limit Alertmanager's max_alerts)`);

// Alerts judged between two yields to the event loop: a few milliseconds of work.
const JUDGE_SLICE = 200;

// The envelope: when it is wrong, nothing of the notification can be trusted (a 400 for all).
const webhook = z.object({
  version: z
    .string()
    .refine((v) => v === "4", "only payload version 4 is supported (Grafana's webhook: /api/v1/grafana)"),
  status: z.enum(["firing", "resolved"]),
  externalURL: optional(z.string()),
  receiver: optional(z.string()),
  alerts: alertList,
});

/** One alert: when it is wrong, only that alert is rejected. Grafana's extends it. */
export const alertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: stringMap,
  annotations: z.preprocess((v) => v ?? {}, stringMap),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: optional(z.string()),
  generatorURL: optional(z.string()),
  fingerprint: optional(z.string()),
});

/** One Alertmanager-shaped alert, as the schema took it. */
export type Alert = z.infer<typeof alertSchema>;

/** A notification split into the alerts that map to alarms and those that do not. */
export interface AlertmanagerBatch {
  alarms: Alarm[];
  rejected: RejectedAlert[];
}

/** `source` of events relayed from Alertmanager. */
export const ALERTMANAGER_SOURCE = "Prometheus Alertmanager";

/**
 * Maps an Alertmanager webhook (payload version 4) to one alarm per valid alert; invalid alerts
 * are returned as `rejected` with their index and reasons, so one bad alert never costs the
 * others. Throws {@link InvalidAlarmError} only when the envelope itself is invalid.
 *
 * Firing and resolved alerts get `[FIRING]` / `[RESOLVED]` titles; labels become custom
 * properties as they are, annotations as `annotation.<name>`. The dedupe key is fingerprint,
 * status and start time, so an HA pair's double delivery and re-sends of the same state are
 * suppressed within the window; a firing after its resolve is a change of state (a late copy only
 * within a minute of the resolve, see alarm-states.ts). Alerts are attached by their `dynatrace_entity_id` label, else by
 * RELAY_TAG, else by the host from the `host` or `instance` label (port removed).
 */
export async function parseAlertmanager(
  body: unknown,
  defaults: MappingDefaults,
): Promise<AlertmanagerBatch> {
  const parsed = webhook.safeParse(body);
  if (!parsed.success) throw InvalidAlarmError.fromZod("Alertmanager webhook", parsed.error);
  const { externalURL } = parsed.data;
  return judgeAlerts(parsed.data.alerts, alertSchema, defaults, (a) => toAlarm(a, defaults, externalURL));
}

/**
 * Judges a notification's alerts one by one: those that match `schema` and can be attached to an
 * entity become alarms through `map`; the others are listed as rejected, with their index,
 * fingerprint and reasons. Shared by the Alertmanager and Grafana formats. Yields to the event
 * loop every few hundred alerts, so a large notification never stalls other requests.
 */
export async function judgeAlerts<A extends Alert>(
  alerts: unknown[],
  schema: z.ZodType<A>,
  defaults: MappingDefaults,
  map: (a: A) => Alarm,
): Promise<AlertmanagerBatch> {
  const out: AlertmanagerBatch = { alarms: [], rejected: [] };
  for (let i = 0; i < alerts.length; i++) {
    if (i > 0 && i % JUDGE_SLICE === 0) await yieldToLoop();
    const raw = alerts[i];
    const a = schema.safeParse(raw);
    if (!a.success) {
      const e = InvalidAlarmError.fromZod("alert", a.error);
      out.rejected.push({ index: i, fingerprint: fingerprintOf(raw), errors: prefixed(e.violations, i) });
      continue;
    }
    const labels = a.data.labels;
    if (!present(labels.dynatrace_entity_id) && !defaults.tag && !hostOf(labels)) {
      out.rejected.push({
        index: i,
        fingerprint: a.data.fingerprint ?? null,
        errors: [
          {
            path: `alerts.${i}.labels`,
            message: "needs a dynatrace_entity_id, host or instance label, or set RELAY_TAG",
          },
        ],
      });
      continue;
    }
    out.alarms.push(map(a.data));
  }
  return out;
}

function prefixed(violations: Violation[], i: number): Violation[] {
  return violations.map((v) => ({
    ...v,
    path: v.path === "(body)" ? `alerts.${i}` : `alerts.${i}.${v.path}`,
  }));
}

function fingerprintOf(raw: unknown): string | null {
  const f = (raw as { fingerprint?: unknown } | null)?.fingerprint;
  return typeof f === "string" ? f.slice(0, 128) : null;
}

function hostOf(labels: Record<string, string>): string | undefined {
  return present(labels.host) ?? present(labels.instance)?.replace(/:\d+$/, "");
}

function toAlarm(a: Alert, defaults: MappingDefaults, externalURL: string | undefined): Alarm {
  const name = present(a.labels.alertname) ?? "alert";
  const summary = a.annotations.summary ?? a.annotations.description;
  const properties = alertProperties(a);
  if (externalURL) properties.alertmanager = externalURL;
  const keys = alertKeys("am", a);
  const { attachRules, ...attach } = alertAttachment(a.labels, defaults);
  return {
    source: "alertmanager",
    ...attach,
    dedupeKey: keys.dedupeKey,
    identity: keys.key,
    state: keys.state,
    alert: alertmanagerFacts({ ...a, key: keys.key, firingDedupeKey: keys.firingDedupeKey }),
    payload: withRequiredFields({
      eventType: defaults.eventType,
      source: ALERTMANAGER_SOURCE,
      title: cut(`[${a.status === "resolved" ? "RESOLVED" : "FIRING"}] ${name}`),
      description: summary ? `${name} is ${a.status}: ${summary}` : `${name} is ${a.status}`,
      attachRules,
      customProperties: properties,
      ...alertTimes(a),
    }),
  };
}

/**
 * The alert's keys: `key` (`<prefix>:<fingerprint>`, or a hash of the labels without one) is its
 * identity; the dedupe key adds status and start time, so an HA pair's double delivery and
 * re-sends of the same state are duplicates within the window; `firingDedupeKey` is the dedupe
 * key its firing notification had.
 */
export function alertKeys(prefix: string, a: Alert) {
  const key = `${prefix}:${present(a.fingerprint) ?? contentKey("labels", a.labels)}`;
  const start = Date.parse(a.startsAt);
  const resolved = a.status === "resolved";
  // Alertmanager's (and Grafana's) order: startsAt, and within one firing its resolve after it.
  const order = Number.isFinite(start) ? start * 2 + (resolved ? 1 : 0) : undefined;
  return {
    key,
    state: { identity: key, order },
    dedupeKey: `${key}:${a.status}:${a.startsAt}`,
    firingDedupeKey: `${key}:firing:${a.startsAt}`,
  };
}

/**
 * The event properties every Alertmanager-shaped alert gets: labels (`dt.` ones, reserved by
 * Dynatrace, as `label.dt.<name>`), annotations as `annotation.<name>`, status, times,
 * generatorURL and fingerprint.
 */
export function alertProperties(a: Alert): Record<string, string> {
  const labels = Object.entries(a.labels).map(([k, v]) => [labelProperty(k), v] as const);
  const properties: Record<string, string> = {
    ...Object.fromEntries(labels),
    status: a.status,
    startsAt: a.startsAt,
  };
  for (const [k, v] of Object.entries(a.annotations)) properties[`annotation.${k}`] = v;
  if (a.status === "resolved" && a.endsAt) properties.endsAt = a.endsAt;
  if (a.generatorURL) properties.generatorURL = a.generatorURL;
  if (present(a.fingerprint)) properties.fingerprint = a.fingerprint as string;
  return properties;
}

/**
 * Where the alert's event attaches: its `dynatrace_entity_id` label, else RELAY_TAG, else the
 * host from the `host` or `instance` label (judgeAlerts rejected alerts with none of them).
 */
export function alertAttachment(labels: Record<string, string>, defaults: MappingDefaults) {
  const host = hostOf(labels);
  const entityId = present(labels.dynatrace_entity_id);
  return {
    ...(!entityId && !defaults.tag && host ? { attachHost: host } : {}),
    attachRules: entityId ? { entityIds: [entityId] } : hostAttachRules(defaults, host as string),
  };
}

/** The event's start, and its end once resolved, from the alert's times when they are valid. */
export function alertTimes(a: Alert): { start?: number; end?: number } {
  const start = Date.parse(a.startsAt);
  const end = a.status === "resolved" && a.endsAt ? Date.parse(a.endsAt) : undefined;
  return {
    ...(Number.isFinite(start) ? { start } : {}),
    ...(end !== undefined && Number.isFinite(end) && end >= start ? { end } : {}),
  };
}
