import { type AlertFacts, alertmanagerFacts, cut } from "./alert-facts.js";

/**
 * A Grafana alert's facts: Alertmanager's (labels as properties, the `severity` label, the
 * fingerprint as key), with Grafana's readable `title` and its links. The links are kept in the
 * problem's event because, unlike an HA Alertmanager pair's Prometheus URLs, they name the one
 * Grafana (its root URL) and the rule, dashboard and panel, which do not change while the alert
 * fires; the caller has removed their time range.
 */
export function grafanaFacts(
  a: Parameters<typeof alertmanagerFacts>[0],
  title: string,
  links: Record<string, string>,
): AlertFacts {
  const base = alertmanagerFacts(a);
  const properties = { ...base.properties };
  for (const [k, v] of Object.entries(links)) properties[k] = cut(v);
  properties["alert.source"] = "grafana";
  return { ...base, input: "grafana", title: cut(title), properties };
}
