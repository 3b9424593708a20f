import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { buildDashboards, dashboardQueries } from "../../dashboards/definitions.js";

const DIR = new URL("../../dashboards/", import.meta.url).pathname;

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string }[];
}

for (const [file, generated] of Object.entries(buildDashboards())) {
  describe(`dashboard ${file}`, () => {
    const checkedIn = JSON.parse(readFileSync(`${DIR}${file}`, "utf8")) as Record<string, unknown>;

    test("when compared with its generator, then the checked-in JSON is current (else run npm run dashboards)", () => {
      assert.deepEqual(checkedIn, generated);
    });

    test("when read as a Grafana dashboard, then it has the import inputs and variables Grafana expects", () => {
      assert.ok((checkedIn.schemaVersion as number) >= 36);
      assert.equal(typeof checkedIn.uid, "string");
      const inputs = checkedIn.__inputs as { name: string; pluginId: string }[];
      assert.deepEqual(
        inputs.map((i) => [i.name, i.pluginId]),
        [["DS_PROMETHEUS", "prometheus"]],
      );
      const vars = (checkedIn.templating as { list: Record<string, unknown>[] }).list;
      const ds = vars.find((v) => v.name === "datasource");
      const env = vars.find((v) => v.name === "environment");
      assert.equal(ds?.type, "datasource");
      assert.equal(ds?.query, "prometheus");
      assert.equal(env?.multi, true);
      assert.equal(env?.includeAll, true);
    });

    test("when laid out, then panels have unique ids, fit 24 columns, do not overlap, and query the variable datasource", () => {
      const panels = checkedIn.panels as Panel[];
      assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
      const cells = new Set<string>();
      for (const p of panels) {
        const g = p.gridPos;
        assert.ok(g.x >= 0 && g.x + g.w <= 24, `${p.title} exceeds 24 columns`);
        for (let y = g.y; y < g.y + g.h; y++) {
          for (let x = g.x; x < g.x + g.w; x++) {
            assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps another panel`);
            cells.add(`${x},${y}`);
          }
        }
        if (p.type === "row") continue;
        assert.equal(p.datasource?.uid, "${datasource}");
        assert.ok((p.targets ?? []).length > 0, `${p.title} has no query`);
      }
    });
  });
}

/** Metrics exported without an `environment` label: a panel over them cannot filter by it. */
const PROCESS_WIDE = new Set([
  "dynatrace_relay_auth_failures_total",
  "dynatrace_config_last_reload_successful",
  "dynatrace_config_last_reload_success_timestamp_seconds",
  "dynatrace_exporter_build_info",
]);

describe("dashboard queries", () => {
  test("when a query selects a per-environment metric, then it filters by the environment variable", () => {
    const queries = Object.values(buildDashboards()).flatMap((d) => dashboardQueries(d));
    for (const { expr } of queries) {
      for (const m of expr.matchAll(/\b(dynatrace_[a-z_]+)(\{[^}]*\})?/g)) {
        const [, name, selector] = m as unknown as [string, string, string | undefined];
        if (PROCESS_WIDE.has(name)) continue;
        assert.ok(selector?.includes('environment=~"$environment"'), `${name} unfiltered in: ${expr}`);
      }
    }
  });
});

describe("dashboard contents", () => {
  test("when the events dashboard is built, then it has every panel the issue asks for", () => {
    const titles = (buildDashboards()["dynatrace-events.json"]?.panels as Panel[]).map((p) => p.title);
    for (const t of [
      "Open events by severity",
      "Open events by event type",
      "Events in the window by impact level",
      "Events in the window by status",
      "New events per hour by type",
      "Top 10 event types in the window",
      "Feed up",
      "Drain duration (p90)",
      "Age of the last successful drain",
      "API requests by status code",
    ]) {
      assert.ok(titles.includes(t), t);
    }
    const queries = dashboardQueries(buildDashboards()["dynatrace-events.json"] ?? {}).map((q) => q.expr);
    assert.ok(
      queries.includes(
        'sum by (event_type) (increase(dynatrace_events_observed_total{environment=~"$environment"}[1h]))',
      ),
    );
  });
});
