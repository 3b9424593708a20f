import type { LifecycleInput } from "../../config/lifecycle.js";

/**
 * What the problem lifecycle needs of one alert notification, taken from the input at parse
 * time. Everything here is deterministic per alert: the same alert seen by any replica, from
 * either member of an HA Alertmanager pair, yields the same key, title and properties, so re-sent
 * events refresh one Dynatrace event instead of opening another.
 */
export interface AlertFacts {
  input: LifecycleInput;
  /** Stable alert key (`alert.key` property): Alertmanager fingerprint, or netdata host/chart.alarm. */
  key: string;
  /** Stable title: `<alertname> on <instance>`, or `<chart>.<alarm> on <host>`. */
  title: string;
  /** Lower-case severity the mapping is looked up by (Alertmanager label; netdata/native status). */
  severity: string;
  /** Firing (Alertmanager `firing`, netdata WARNING/CRITICAL) or resolved (`resolved`, CLEAR). */
  firing: boolean;
  /**
   * The dedupe key of this firing's notification (Alertmanager's includes `startsAt`, the same
   * from both members of an HA pair); undefined for netdata. A resolve marks it seen, so that a
   * late copy of the resolved firing is a duplicate.
   */
  firingDedupeKey?: string | undefined;
  /** Where the alert is defined (Alertmanager's generatorURL), for the closing comment. */
  generatorURL?: string | undefined;
  /** Event properties that never change while the alert fires (no values, times or counters). */
  properties: Record<string, string>;
}

const MAX_TEXT = 4096;
/**
 * A property value or title cut to the length the lifecycle keeps (Dynatrace's property value
 * limit; its API names no title limit, so titles get the same).
 */
export const cut = (s: string) => s.slice(0, MAX_TEXT);

/**
 * An identity field (fingerprint, alertname, host, instance, entity id) when it says something:
 * an empty or blank one, which Go senders write for an unset field, is absent.
 */
export function present(s: string | null | undefined): string | undefined {
  return s && s.trim() !== "" ? s : undefined;
}

/**
 * What an alert's title says it is on: its `host` label, else `instance`, else
 * `dynatrace_entity_id`: the same host its event attaches to when no entity id or tag is set.
 */
export function whereOf(labels: Record<string, string>): string | undefined {
  return present(labels.host) ?? present(labels.instance) ?? present(labels.dynatrace_entity_id);
}

/**
 * A label's name as an event property: Dynatrace reserves `dt.` names (dynatrace-api.md §6), so a
 * label such as `dt.cost.costcenter` becomes `label.dt.cost.costcenter` instead of failing the event.
 */
export function labelProperty(name: string): string {
  return name.toLowerCase().startsWith("dt.") ? `label.${name}` : name;
}

/**
 * An Alertmanager alert's facts. Annotations, `startsAt`, generatorURL and externalURL are left
 * out of the properties: templated annotations change with every evaluation and the URLs differ
 * between the members of an HA pair, and either would turn a refresh into a second event.
 */
export function alertmanagerFacts(a: {
  status: "firing" | "resolved";
  labels: Record<string, string>;
  generatorURL?: string | undefined;
  key: string;
  firingDedupeKey?: string | undefined;
}): AlertFacts {
  const name = present(a.labels.alertname) ?? "alert";
  const where = whereOf(a.labels);
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.labels).slice(0, 90))
    properties[labelProperty(k).slice(0, 100)] = cut(v);
  properties["alert.key"] = cut(a.key);
  properties["alert.source"] = "alertmanager";
  properties["dt.event.allow_davis_merge"] = "false";
  return {
    input: "alertmanager",
    key: cut(a.key),
    title: cut(where ? `${name} on ${where}` : name),
    severity: (a.labels.severity ?? "").toLowerCase(),
    firing: a.status === "firing",
    firingDedupeKey: a.firingDedupeKey,
    generatorURL: a.generatorURL,
    properties,
  };
}

/** A netdata or native alarm's facts: host and `chart.alarm` make the key; status is the severity. */
export function netdataFacts(
  input: "netdata" | "native",
  a: { key: string; host: string; chartAlarm: string; status: string; source?: string | undefined },
): AlertFacts {
  const properties: Record<string, string> = {
    host: cut(a.host),
    alarm: cut(a.chartAlarm),
    "alert.key": cut(a.key),
    "alert.source": input,
    "dt.event.allow_davis_merge": "false",
  };
  if (a.source !== undefined) properties.source = cut(a.source);
  const status = a.status.toUpperCase();
  return {
    input,
    key: cut(a.key),
    title: cut(`${a.chartAlarm} on ${a.host}`),
    severity: status.toLowerCase(),
    firing: status === "WARNING" || status === "CRITICAL",
    properties,
  };
}

const NETDATA_DESCRIPTION = /^Netdata Notification for: (.+) (\S+) is (\S+)$/s;

/** Host, `chart.alarm` and status of a netdata notifier's description, if it is one. */
export function netdataDescription(
  description: string | undefined,
): { host: string; chartAlarm: string; status: string } | undefined {
  const m = NETDATA_DESCRIPTION.exec(description ?? "");
  if (!m) return undefined;
  return { host: m[1] as string, chartAlarm: m[2] as string, status: m[3] as string };
}
