import type { Item } from "./definitions.js";

const ENV = 'environment=~"$environment"';

/**
 * The relay dashboard's "Problems" row: alerts kept open as Dynatrace problems, refreshes,
 * closes by outcome and failed Problems API calls (docs/relay-problems.md).
 */
export const problemsRow: Item[] = [
  { row: "Problems" },
  {
    type: "timeseries",
    title: "Alerts kept open",
    description: "Firing alerts whose problem-opening event a replica keeps open by refreshing it.",
    queries: [
      { expr: `sum by (environment) (dynatrace_relay_alerts_kept_open{${ENV}})`, legend: "{{environment}}" },
    ],
    w: 6,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Refreshes",
    description: "Re-sends of firing alerts' events per hour (one per alert per RELAY_PROBLEM_REFRESH).",
    queries: [
      {
        expr: `sum by (environment) (rate(dynatrace_relay_problem_refreshes_total{${ENV}}[$__rate_interval])) * 3600`,
        legend: "{{environment}}",
      },
    ],
    w: 6,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Closes by outcome",
    description: "Resolved alerts' closes per hour: closed, already_closed, not_found, held, expired.",
    queries: [
      {
        expr: `sum by (outcome) (rate(dynatrace_relay_problem_closes_total{${ENV}}[$__rate_interval])) * 3600`,
        legend: "{{outcome}}",
      },
    ],
    w: 6,
    h: 8,
  },
  {
    type: "timeseries",
    title: "Close failures by reason",
    description:
      "Failed Problems API look-ups and closes per hour (forbidden: the token lacks problems.read/problems.write).",
    queries: [
      {
        expr: `sum by (reason) (rate(dynatrace_relay_problem_close_failures_total{${ENV}}[$__rate_interval])) * 3600`,
        legend: "{{reason}}",
      },
    ],
    w: 6,
    h: 8,
  },
];
