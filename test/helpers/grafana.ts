/** Grafana versions whose webhook payload shapes the tests send (docs: dynatrace-api.md §12). */
export type GrafanaVersion = 9 | 10 | 11;

/** One Grafana alert as a test describes it. */
export interface GrafanaAlertSpec {
  name: string;
  instance?: string;
  severity: string;
  /** Absent: the alert carries no fingerprint, as from older Grafana 9 versions. */
  fingerprint?: string;
  /** Extra labels (e.g. `rulename` of a DatasourceNoData alert). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
}

const GRAFANA = "https://grafana.example";

/**
 * One alert in the shape of Grafana `version`: 9 sends `valueString` (no `values`, and here no
 * fingerprint unless given), 10 sends both, 11 sends `values` and dashboard/panel links with a
 * time range.
 */
export function grafanaAlert(version: GrafanaVersion, status: "firing" | "resolved", a: GrafanaAlertSpec) {
  const labels: Record<string, string> = {
    alertname: a.name,
    grafana_folder: "Infra",
    severity: a.severity,
    ...(a.instance === undefined ? {} : { instance: a.instance }),
    ...a.labels,
  };
  const startsAt = a.startsAt ?? "2026-11-01T11:55:00.157076+01:00";
  const matchers = encodeURIComponent(`alertname=${a.name}`);
  const range = version === 11 ? "&from=1761990000000&to=1761994500000" : "";
  return {
    status,
    labels,
    annotations: {
      summary: `${a.name} is high`,
      description: `Memory of ${a.instance ?? "the service"} above 90% for 5 minutes`,
      runbook_url: "https://runbooks.example/memory",
      ...a.annotations,
    },
    startsAt,
    endsAt: status === "resolved" ? "2026-11-01T12:30:00Z" : "0001-01-01T00:00:00Z",
    generatorURL: `${GRAFANA}/alerting/grafana/1afz29v7z/view?orgId=1`,
    ...(a.fingerprint === undefined ? {} : { fingerprint: a.fingerprint }),
    silenceURL: `${GRAFANA}/alerting/silence/new?alertmanager=grafana&matcher=${matchers}`,
    dashboardURL: version === 9 ? "" : `${GRAFANA}/d/mem01?orgId=1${range}`,
    panelURL: version === 9 ? "" : `${GRAFANA}/d/mem01?orgId=1&viewPanel=2${range}`,
    ...(version === 9 ? {} : { values: { B: 94.25, C: 1 } }),
    ...(version === 11
      ? {}
      : { valueString: "[ var='B' labels={instance=web01} value=94.25 ], [ var='C' value=1 ]" }),
  };
}

/** A Grafana webhook (payload version 1) around `alerts`. */
export function grafanaWebhook(status: "firing" | "resolved", alerts: unknown[]): Record<string, unknown> {
  return {
    receiver: "dynatrace",
    status,
    orgId: 1,
    alerts,
    groupLabels: { alertname: "x" },
    commonLabels: { grafana_folder: "Infra" },
    commonAnnotations: {},
    externalURL: `${GRAFANA}/`,
    version: "1",
    groupKey: '{}/{}:{alertname="x"}',
    truncatedAlerts: 0,
    title: `[${status === "firing" ? "FIRING" : "RESOLVED"}:${alerts.length}] x (Infra)`,
    state: status === "firing" ? "alerting" : "ok",
    message: "**Firing**\n\nValue: B=94.2",
  };
}

/** A Grafana webhook with one alert of `version`'s shape. */
export function grafanaNotification(
  version: GrafanaVersion,
  status: "firing" | "resolved",
  a: GrafanaAlertSpec,
): Record<string, unknown> {
  return grafanaWebhook(status, [grafanaAlert(version, status, a)]);
}
