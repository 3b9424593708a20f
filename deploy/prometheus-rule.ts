import { readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";

const DEPLOY = new URL("./", import.meta.url).pathname;
/** The rules file Prometheus users load, and the PrometheusRule made from it for the operator. */
export const RULES_FILE = `${DEPLOY}prometheus/dynatrace-exporter.rules.yml`;
export const PROMETHEUS_RULE_FILE = `${DEPLOY}kubernetes/prometheus-rule.yaml`;

/**
 * The Prometheus operator's PrometheusRule holding exactly the groups of the rules file, so the
 * two never drift: the YAML is generated (`npm run deploy:rules`) and a test compares it.
 */
export function buildPrometheusRule(rulesYaml: string): string {
  const rules = parse(rulesYaml) as { groups: unknown[] };
  const doc = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "dynatrace-events-exporter",
      labels: { "app.kubernetes.io/name": "dynatrace-events-exporter" },
    },
    spec: { groups: rules.groups },
  };
  const header =
    "# Generated from deploy/prometheus/dynatrace-exporter.rules.yml by `npm run deploy:rules`: edit that file.\n";
  return header + stringify(doc, { lineWidth: 0 });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, "/"))) {
  writeFileSync(PROMETHEUS_RULE_FILE, buildPrometheusRule(readFileSync(RULES_FILE, "utf8")));
  process.stdout.write("wrote deploy/kubernetes/prometheus-rule.yaml\n");
}
