/**
 * The Grafana dashboards, as code. `npm run dashboards` writes them to dashboards/*.json; a test
 * fails when the checked-in JSON differs from what this file generates, and the end-to-end test
 * runs every query against a real Prometheus.
 */

import { problemsRow } from "./problems-row.js";

const DS = { type: "prometheus", uid: "${datasource}" };
const ENV = 'environment=~"$environment"';

interface Query {
  expr: string;
  legend?: string;
  instant?: boolean;
}

interface PanelSpec {
  type: "stat" | "bargauge" | "timeseries" | "table" | "piechart";
  title: string;
  description: string;
  queries: Query[];
  unit?: string;
  w: number;
  h: number;
}

/** A panel, or a row that starts a new band of panels. */
export type Item = PanelSpec | { row: string };

function layout(items: Item[]): Record<string, unknown>[] {
  const panels: Record<string, unknown>[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  items.forEach((item, i) => {
    const id = i + 1;
    if ("row" in item) {
      y += rowHeight;
      panels.push({
        id,
        type: "row",
        title: item.row,
        collapsed: false,
        gridPos: { h: 1, w: 24, x: 0, y },
        panels: [],
      });
      y += 1;
      x = 0;
      rowHeight = 0;
      return;
    }
    if (x + item.w > 24) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    panels.push({
      id,
      type: item.type,
      title: item.title,
      description: item.description,
      datasource: DS,
      gridPos: { h: item.h, w: item.w, x, y },
      targets: item.queries.map((q, k) => ({
        refId: String.fromCharCode(65 + k),
        datasource: DS,
        expr: q.expr,
        legendFormat: q.legend ?? "__auto",
        instant: q.instant ?? false,
        range: !(q.instant ?? false),
      })),
      fieldConfig: { defaults: { unit: item.unit ?? "short" }, overrides: [] },
      options: {},
    });
    x += item.w;
    rowHeight = Math.max(rowHeight, item.h);
  });
  return panels;
}

function dashboard(uid: string, title: string, description: string, items: Item[]): Record<string, unknown> {
  return {
    __inputs: [
      {
        name: "DS_PROMETHEUS",
        label: "Prometheus",
        description: "",
        type: "datasource",
        pluginId: "prometheus",
        pluginName: "Prometheus",
      },
    ],
    __requires: [
      { type: "grafana", id: "grafana", name: "Grafana", version: "10.0.0" },
      { type: "datasource", id: "prometheus", name: "Prometheus", version: "1.0.0" },
    ],
    annotations: { list: [] },
    description,
    editable: true,
    graphTooltip: 1,
    links: [],
    panels: layout(items),
    refresh: "1m",
    schemaVersion: 39,
    tags: ["dynatrace", "dynatrace-events-exporter"],
    templating: {
      list: [
        {
          name: "datasource",
          label: "Data source",
          type: "datasource",
          query: "prometheus",
          current: { text: "${DS_PROMETHEUS}", value: "${DS_PROMETHEUS}" },
          hide: 0,
        },
        {
          name: "environment",
          label: "Environment",
          type: "query",
          datasource: DS,
          definition: "label_values(dynatrace_up, environment)",
          query: { query: "label_values(dynatrace_up, environment)", refId: "environments" },
          multi: true,
          includeAll: true,
          allValue: ".*",
          current: { text: "All", value: "$__all" },
          refresh: 2,
          sort: 1,
          hide: 0,
        },
      ],
    },
    time: { from: "now-24h", to: "now" },
    timepicker: {},
    timezone: "",
    title,
    uid,
    version: 1,
  };
}

const events: Item[] = [
  { row: "Events now" },
  {
    type: "stat",
    title: "Open events by severity",
    description: 'Events open now, by severity level (dynatrace_events{status="OPEN"}).',
    queries: [
      {
        expr: `sum by (severity_level) (dynatrace_events{${ENV}, status="OPEN"})`,
        legend: "{{severity_level}}",
        instant: true,
      },
    ],
    w: 24,
    h: 5,
  },
  {
    type: "bargauge",
    title: "Open events by event type",
    description: "Events open now, by event type.",
    queries: [
      {
        expr: `sort_desc(sum by (event_type) (dynatrace_events{${ENV}, status="OPEN"}))`,
        legend: "{{event_type}}",
        instant: true,
      },
    ],
    w: 12,
    h: 9,
  },
  {
    type: "table",
    title: "Top 10 event types in the window",
    description: "The ten event types with the most events in the window, open and closed.",
    queries: [
      {
        expr: `topk(10, sum by (event_type) (dynatrace_events{${ENV}}))`,
        legend: "{{event_type}}",
        instant: true,
      },
    ],
    w: 12,
    h: 9,
  },
  {
    type: "timeseries",
    title: "Events in the window by impact level",
    description: "Open events plus closed events whose end lies within EVENTS_WINDOW, by impact level.",
    queries: [{ expr: `sum by (impact_level) (dynatrace_events{${ENV}})`, legend: "{{impact_level}}" }],
    w: 12,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Events in the window by status",
    description: "Open and closed events in the window.",
    queries: [{ expr: `sum by (status) (dynatrace_events{${ENV}})`, legend: "{{status}}" }],
    w: 12,
    h: 8,
  },
  {
    type: "timeseries",
    title: "New events per hour by type",
    description:
      "Distinct events first seen in the last hour (increase of dynatrace_events_observed_total); a restart of the exporter does not count the window again.",
    queries: [
      {
        expr: `sum by (event_type) (increase(dynatrace_events_observed_total{${ENV}}[1h]))`,
        legend: "{{event_type}}",
      },
    ],
    w: 24,
    h: 8,
  },
  { row: "Problems" },
  {
    type: "stat",
    title: "Open problems by severity",
    description:
      'Problems open now (Problems API v2), by severity level (dynatrace_problems{status="OPEN"}). Needs the problems collector (PROBLEMS, token scope problems.read).',
    queries: [
      {
        expr: `sum by (severity_level) (dynatrace_problems{${ENV}, status="OPEN"})`,
        legend: "{{severity_level}}",
        instant: true,
      },
    ],
    w: 12,
    h: 5,
  },
  {
    type: "bargauge",
    title: "Open problems by impact level",
    description: "Problems open now, by impact level (APPLICATION, SERVICES, INFRASTRUCTURE, ENVIRONMENT).",
    queries: [
      {
        expr: `sum by (impact_level) (dynatrace_problems{${ENV}, status="OPEN"})`,
        legend: "{{impact_level}}",
        instant: true,
      },
    ],
    w: 12,
    h: 5,
  },
  {
    type: "timeseries",
    title: "Problems opened per hour",
    description:
      "Distinct problems first seen in the last hour, by severity (increase of dynatrace_problems_opened_total); a restart does not count the open ones again.",
    queries: [
      {
        expr: `sum by (severity_level) (increase(dynatrace_problems_opened_total{${ENV}}[1h]))`,
        legend: "{{severity_level}}",
      },
    ],
    w: 12,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Time to resolve (p50, p90)",
    description:
      "Start to end of the problems that closed, median and 90th percentile over the last hour (dynatrace_problem_duration_seconds).",
    queries: [
      {
        expr: `histogram_quantile(0.5, sum by (le) (increase(dynatrace_problem_duration_seconds_bucket{${ENV}}[1h])))`,
        legend: "p50",
      },
      {
        expr: `histogram_quantile(0.9, sum by (le) (increase(dynatrace_problem_duration_seconds_bucket{${ENV}}[1h])))`,
        legend: "p90",
      },
    ],
    unit: "s",
    w: 12,
    h: 8,
  },
  {
    type: "table",
    title: "Open problems by management zone",
    description:
      "Problems open now per management zone. Needs management_zone in the environment's dimensions (config file); a problem in several zones counts in each. Without it, one row for all.",
    queries: [
      {
        expr: `sort_desc(sum by (management_zone, severity_level) (dynatrace_problems{${ENV}, status="OPEN"}))`,
        legend: "{{management_zone}} {{severity_level}}",
        instant: true,
      },
    ],
    w: 24,
    h: 8,
  },
  { row: "Exporter health" },
  {
    type: "stat",
    title: "Feed up",
    description: "1 when the last drain of the environment succeeded (dynatrace_up).",
    queries: [{ expr: `dynatrace_up{${ENV}}`, legend: "{{environment}}", instant: true }],
    w: 6,
    h: 5,
  },
  {
    type: "stat",
    title: "Age of the last successful drain",
    description:
      "Seconds since the last successful drain; more than a few drain intervals means stale counts.",
    queries: [
      {
        expr: `time() - dynatrace_last_drain_success_timestamp_seconds{${ENV}}`,
        legend: "{{environment}}",
        instant: true,
      },
    ],
    unit: "s",
    w: 6,
    h: 5,
  },
  {
    type: "timeseries",
    title: "Drain duration (p90)",
    description: "90th percentile of drain duration, retries and backoff included.",
    queries: [
      {
        expr: `histogram_quantile(0.9, sum by (le, environment) (rate(dynatrace_drain_duration_seconds_bucket{${ENV}}[$__rate_interval])))`,
        legend: "{{environment}}",
      },
    ],
    unit: "s",
    w: 12,
    h: 5,
  },
  {
    type: "timeseries",
    title: "API requests by status code",
    description:
      "Requests to the Dynatrace API per second, by endpoint and status code (timeout and network_error when no answer came).",
    queries: [
      {
        expr: `sum by (endpoint, code) (rate(dynatrace_api_requests_total{${ENV}}[$__rate_interval]))`,
        legend: "{{endpoint}} {{code}}",
      },
    ],
    unit: "reqps",
    w: 12,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Drain errors by reason",
    description: "Failed drains per hour, by reason.",
    queries: [
      { expr: `sum by (reason) (increase(dynatrace_drain_errors_total{${ENV}}[1h]))`, legend: "{{reason}}" },
    ],
    w: 12,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Series folded by the cap",
    description:
      "Label sets folded per hour into a family's `other` series because it held maxSeries label sets (dynatrace_series_folded_total). Empty until a family first reaches its cap.",
    queries: [
      {
        // 0 per environment until something folds (the counter appears with the first full family).
        expr: `sum by (environment, metric) (increase(dynatrace_series_folded_total{${ENV}}[1h])) or sum by (environment) (dynatrace_up{${ENV}}) * 0`,
        legend: "{{environment}} {{metric}}",
      },
    ],
    w: 24,
    h: 6,
  },
];

const relay: Item[] = [
  { row: "Intake" },
  {
    type: "timeseries",
    title: "Alarms received by source and outcome",
    description:
      "Alarms posted to the relay per second: accepted (on disk), duplicate, rejected; by input format.",
    queries: [
      {
        expr: `sum by (source, outcome) (rate(dynatrace_relay_received_total{${ENV}}[$__rate_interval]))`,
        legend: "{{source}} {{outcome}}",
      },
    ],
    unit: "reqps",
    w: 12,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Alarms delivered per minute",
    description: "Relayed alarms Dynatrace accepted, per minute.",
    queries: [
      {
        expr: `sum by (environment) (rate(dynatrace_relay_delivered_total{${ENV}}[$__rate_interval])) * 60`,
        legend: "{{environment}}",
      },
    ],
    w: 12,
    h: 8,
  },
  { row: "Queue" },
  {
    type: "timeseries",
    title: "Queue depth",
    description: "Alarms accepted and not yet delivered.",
    queries: [{ expr: `dynatrace_relay_queue_depth{${ENV}}`, legend: "{{environment}}" }],
    w: 8,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Oldest queued alarm",
    description: "Age of the oldest alarm waiting for delivery.",
    queries: [{ expr: `dynatrace_relay_queue_oldest_age_seconds{${ENV}}`, legend: "{{environment}}" }],
    unit: "s",
    w: 8,
    h: 8,
  },
  {
    type: "stat",
    title: "Dead letters held",
    description:
      "Alarms given up on and waiting in the dead-letter table now, until replayed or purged (dynatrace-events-exporter dead-letters list says why). Read from the outbox at each scrape, so right after a restart too.",
    queries: [{ expr: `sum(dynatrace_relay_dead_letters_held{${ENV}})`, instant: true }],
    w: 8,
    h: 8,
  },
  { row: "Delivery" },
  {
    type: "timeseries",
    title: "Delivery latency",
    description: "Time from acceptance to delivery, retries included: median and 99th percentile.",
    queries: [
      {
        expr: `histogram_quantile(0.5, sum by (le) (rate(dynatrace_relay_delivery_duration_seconds_bucket{${ENV}}[$__rate_interval])))`,
        legend: "p50",
      },
      {
        expr: `histogram_quantile(0.99, sum by (le) (rate(dynatrace_relay_delivery_duration_seconds_bucket{${ENV}}[$__rate_interval])))`,
        legend: "p99",
      },
    ],
    unit: "s",
    w: 12,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Delivery failures by reason",
    description: "Failed delivery attempts per second, retried ones included.",
    queries: [
      {
        expr: `sum by (reason) (rate(dynatrace_relay_delivery_failures_total{${ENV}}[$__rate_interval]))`,
        legend: "{{reason}}",
      },
    ],
    unit: "reqps",
    w: 12,
    h: 8,
  },
];

/** Every dashboard by file name. */
export function buildDashboards(): Record<string, Record<string, unknown>> {
  return {
    "dynatrace-events.json": dashboard(
      "dynatrace-events",
      "Dynatrace events",
      "Dynatrace events by type, severity, impact and status, from dynatrace-events-exporter.",
      events,
    ),
    "dynatrace-relay.json": dashboard(
      "dynatrace-relay",
      "Dynatrace alarm relay",
      "Alarms relayed into Dynatrace by dynatrace-events-exporter: intake, queue, delivery, problems.",
      [...relay, ...problemsRow],
    ),
  };
}

/** The JSON text of a dashboard as it is checked in. */
export function dashboardJson(d: Record<string, unknown>): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

/** Every PromQL expression in a dashboard, with its panel's title. */
export function dashboardQueries(d: Record<string, unknown>): { panel: string; expr: string }[] {
  const panels = d.panels as { title: string; targets?: { expr: string }[] }[];
  return panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}
