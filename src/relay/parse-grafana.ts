import { z } from "zod";
import { type Alarm, type MappingDefaults, withRequiredFields } from "./alarm.js";
import { cut, present, whereOf } from "./lifecycle/alert-facts.js";
import { grafanaFacts } from "./lifecycle/grafana-facts.js";
import {
  type AlertmanagerBatch,
  alertAttachment,
  alertKeys,
  alertList,
  alertProperties,
  alertSchema,
  alertTimes,
  judgeAlerts,
  optional,
} from "./parse-alertmanager.js";
import { InvalidAlarmError } from "./validation-error.js";

// The envelope: when it is wrong, nothing of the notification can be trusted (a 400 for all).
const webhook = z.object({
  version: z
    .string()
    .refine(
      (v) => v === "1",
      "only Grafana's payload version 1 is supported (Alertmanager's version 4: /api/v1/alertmanager)",
    ),
  status: z.enum(["firing", "resolved"]),
  orgId: optional(z.union([z.number(), z.string()])),
  externalURL: optional(z.string()),
  alerts: alertList,
});

// One alert: Alertmanager's fields and Grafana's own. A value Grafana could not give as a number
// (NaN, a missing series) may come as null or text; it is shown, never a reason to reject.
const grafanaAlert = alertSchema.extend({
  values: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).nullish(),
  valueString: optional(z.string()),
  silenceURL: optional(z.string()),
  dashboardURL: optional(z.string()),
  panelURL: optional(z.string()),
});

type GrafanaAlert = z.infer<typeof grafanaAlert>;

/** `source` of events relayed from Grafana. */
export const GRAFANA_SOURCE = "Grafana Alerting";

/** Grafana's alerts for a rule whose query returned nothing or failed, and how they read. */
// A Map: an alertname such as `constructor` must not find Object.prototype's members.
const CONDITIONS: ReadonlyMap<string, { name: string; explain: string }> = new Map([
  [
    "DatasourceNoData",
    { name: "no data", explain: "the rule's query returned no data (Grafana DatasourceNoData)" },
  ],
  [
    "DatasourceError",
    { name: "query failed", explain: "the rule's query could not be evaluated (Grafana DatasourceError)" },
  ],
]);

/**
 * Maps a Grafana Alerting webhook (payload version 1, Grafana 9 to 11) to one alarm per valid
 * alert, judged alert by alert as Alertmanager's are (same schema for the shared fields, same
 * attachment, same keys with `grafana:` for `am:`). Throws {@link InvalidAlarmError} only when
 * the envelope is invalid.
 *
 * The title reads `<alertname> on <host>` (else `instance`, else `dynatrace_entity_id`: the host
 * the event attaches to unless an entity id or RELAY_TAG is set), cut to 4,096 characters; a
 * `DatasourceNoData` / `DatasourceError` alert reads `<rulename>: no data` / `: query failed`.
 * The description holds the summary and description annotations and the values (`values`, or
 * Grafana 9's `valueString`); links become properties.
 */
export async function parseGrafana(body: unknown, defaults: MappingDefaults): Promise<AlertmanagerBatch> {
  const parsed = webhook.safeParse(body);
  if (!parsed.success) throw InvalidAlarmError.fromZod("Grafana webhook", parsed.error);
  const { externalURL, orgId } = parsed.data;
  const context: Record<string, string> = {};
  if (externalURL) context.grafana = externalURL;
  if (orgId !== undefined) context.orgId = String(orgId);
  return judgeAlerts(parsed.data.alerts, grafanaAlert, defaults, (a) => toAlarm(a, defaults, context));
}

function toAlarm(a: GrafanaAlert, defaults: MappingDefaults, context: Record<string, string>): Alarm {
  const title = cut(titleOf(a.labels));
  const keys = alertKeys("grafana", a);
  const { attachRules, ...attach } = alertAttachment(a.labels, defaults);
  const links = linksOf(a);
  return {
    source: "grafana",
    ...attach,
    dedupeKey: keys.dedupeKey,
    identity: keys.key,
    state: keys.state,
    alert: grafanaFacts({ ...a, key: keys.key, firingDedupeKey: keys.firingDedupeKey }, title, stable(links)),
    payload: withRequiredFields({
      eventType: defaults.eventType,
      source: GRAFANA_SOURCE,
      title: cut(`[${a.status === "resolved" ? "RESOLVED" : "FIRING"}] ${title}`),
      description: descriptionOf(a, title),
      attachRules,
      customProperties: { ...alertProperties(a), ...context, ...links, ...valueProperties(a) },
      ...alertTimes(a),
    }),
  };
}

/** `<name> on <where>`, the name being a NoData/Error alert's rule and condition. */
function titleOf(labels: Record<string, string>): string {
  const alertname = present(labels.alertname) ?? "alert";
  const condition = CONDITIONS.get(alertname);
  const name = condition ? `${present(labels.rulename) ?? "alert rule"}: ${condition.name}` : alertname;
  const where = whereOf(labels);
  return where ? `${name} on ${where}` : name;
}

function descriptionOf(a: GrafanaAlert, title: string): string {
  const { summary, description } = a.annotations;
  const lines = [summary ? `${title} is ${a.status}: ${summary}` : `${title} is ${a.status}`];
  const condition = CONDITIONS.get(a.labels.alertname ?? "");
  if (condition) {
    const error = a.annotations.Error ?? a.annotations.error;
    lines.push(`Grafana fired this because ${condition.explain}${error ? `: ${error}` : "."}`);
  }
  if (description && description !== summary) lines.push(description);
  const values = Object.entries(a.values ?? {});
  if (values.length > 0) lines.push(`Values: ${values.map(([k, v]) => `${k}=${String(v)}`).join(", ")}`);
  else if (a.valueString) lines.push(`Values: ${a.valueString}`);
  return lines.join("\n");
}

/** Grafana's links to the alert, non-empty ones only; `runbook_url` from the annotation. */
function linksOf(a: GrafanaAlert): Record<string, string> {
  const links: Record<string, string> = {};
  const all = {
    generatorURL: a.generatorURL,
    dashboardURL: a.dashboardURL,
    panelURL: a.panelURL,
    silenceURL: a.silenceURL,
    runbook_url: a.annotations.runbook_url,
  };
  for (const [k, v] of Object.entries(all)) if (v) links[k] = v;
  return links;
}

/** Each of `values` as `value.<refId>`, else Grafana 9's `valueString`. */
function valueProperties(a: GrafanaAlert): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [ref, v] of Object.entries(a.values ?? {})) out[`value.${ref}`] = String(v);
  if (a.valueString) out.valueString = a.valueString;
  return out;
}

/**
 * The links without a time range (`from`, `to`): newer Grafana versions add one around the
 * alert's time to dashboard and panel links, and the problem's event must not change between
 * notifications of one firing alert.
 */
function stable(links: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(links)) {
    try {
      const url = new URL(v);
      url.searchParams.delete("from");
      url.searchParams.delete("to");
      out[k] = url.toString();
    } catch {
      out[k] = v;
    }
  }
  return out;
}
