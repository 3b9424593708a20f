import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, test } from "node:test";
import { buildDashboards, dashboardQueries } from "../../dashboards/definitions.js";
import { createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { LogCapture } from "../helpers/log-capture.js";
import { checkMetrics } from "../helpers/promtool.js";
import {
  scrapes,
  freePort,
  promQuery,
  type RunningProgram,
  realProgramsSkip,
  startAlertmanager,
  startPrometheus,
} from "../helpers/real-programs.js";
import { until } from "../helpers/wait.js";

const SKIP = realProgramsSkip();
const HOUR = 3_600_000;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function harness(
  env: Record<string, string>,
  relay = false,
): Promise<{ h: Harness; hostPort: string }> {
  const h = await startHarness({ realClock: true, relay, env: { DRAIN_INTERVAL: "1s", ...env } });
  cleanups.push(() => h.close());
  h.sim.generator.history(400, 20 * HOUR, Date.now());
  const base = await h.start();
  return { h, hostPort: base.replace("http://", "") };
}

function track(p: RunningProgram): RunningProgram {
  cleanups.push(() => p.stop());
  return p;
}

describe("end to end with real Prometheus and Alertmanager", { skip: SKIP }, () => {
  test("when Prometheus scrapes the exporter, then dynatrace_events equals the simulator's own counts", async () => {
    const { h, hostPort } = await harness({});
    await until(() => h.app.statuses()[0]?.succeededOnce === true, 10_000, "first drain");
    const prom = track(await startPrometheus({ targets: [hostPort] }));
    await scrapes(prom, 2);
    const got = new Map(
      (await promQuery(prom.url, "dynatrace_events > 0")).map((s) => [
        [s.metric.event_type, s.metric.severity_level, s.metric.impact_level, s.metric.status].join("/"),
        s.value,
      ]),
    );
    const expected = h.sim.countsInWindow(24 * HOUR);
    assert.ok(expected.size > 10, "the simulator's mix has many label sets");
    assert.deepEqual([...got].sort(), [...expected].sort());
    const up = await promQuery(prom.url, 'dynatrace_up{environment="test"}');
    assert.equal(up[0]?.value, 1);
    const lint = checkMetrics(await h.scrape());
    assert.equal(lint.status, 0, lint.output);
  });

  test("when every dashboard query runs against Prometheus, then each parses and returns data", async () => {
    // The problems row needs the problems collector (the harness reads the v1 feed).
    const { h, hostPort } = await harness({ PROBLEMS: "on" }, true);
    h.sim.injectFault({ kind: "status", status: 503 }, 1, "push");
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://${hostPort}/api/v1/alarms`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
        body: JSON.stringify({ host: "web01", chart: "system.cpu", alarm: `a${i}`, status: "WARNING" }),
      });
      assert.equal(res.status, 202);
    }
    await until(() => h.sim.pushed.length === 3, 10_000, "alarms delivered");
    const prom = track(await startPrometheus({ targets: [hostPort] }));
    await scrapes(prom, 3);
    const queries = Object.values(buildDashboards()).flatMap(dashboardQueries);
    assert.ok(queries.length >= 18);
    for (const q of queries) {
      const expr = q.expr.replaceAll("$environment", ".*").replaceAll("$__rate_interval", "1m");
      const result = await promQuery(prom.url, expr);
      assert.ok(result.length > 0, `panel "${q.panel}" returned no data: ${expr}`);
    }
  });

  test("when a Prometheus rule fires and resolves, then Alertmanager's notifications arrive once each via the relay", async () => {
    const { h, hostPort } = await harness({}, true);
    const am = track(
      await startAlertmanager(
        [
          "route: { receiver: dynatrace, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }",
          "receivers:",
          "  - name: dynatrace",
          "    webhook_configs:",
          `      - url: http://${hostPort}/api/v1/alertmanager`,
          "        send_resolved: true",
          `        http_config: { authorization: { credentials: ${JSON.stringify(h.relayToken)} } }`,
        ].join("\n"),
      ),
    );
    const rules = [
      "groups:",
      "  - name: e2e",
      "    rules:",
      "      - alert: E2EFeedDown",
      "        expr: dynatrace_up == 0",
      "        labels: { severity: page }",
      "        annotations: { summary: feed down }",
    ].join("\n");
    const prom = track(
      await startPrometheus({ targets: [hostPort], rules, alertmanager: am.url.replace("http://", "") }),
    );
    await scrapes(prom, 2);
    const titles = () => h.sim.pushed.map((p) => p.title);
    h.sim.injectFault({ kind: "status", status: 500 }, Number.POSITIVE_INFINITY);
    await until(() => titles().includes("[FIRING] E2EFeedDown"), 40_000, "firing alert relayed");
    h.sim.faults.clear();
    await until(() => titles().includes("[RESOLVED] E2EFeedDown"), 40_000, "resolved alert relayed");
    await sleep(3000);
    assert.deepEqual(titles(), ["[FIRING] E2EFeedDown", "[RESOLVED] E2EFeedDown"]);
    const firing = h.sim.pushed[0]?.customProperties as Record<string, string>;
    assert.equal(firing.severity, "page");
    assert.equal(firing["annotation.summary"], "feed down");
  });

  test("when the exporter restarts while Prometheus scrapes, then increase(observed_total) does not spike", async () => {
    const port = await freePort();
    const { h } = await harness({ PORT: String(port) });
    const prom = track(await startPrometheus({ targets: [`127.0.0.1:${port}`] }));
    const before = await scrapes(prom, 2);
    await h.app.stop();
    const again = createApp(
      loadConfigFromEnv({
        DYNATRACE_URL: h.sim.url,
        DYNATRACE_API_TOKEN: h.sim.token,
        DYNATRACE_ENVIRONMENT: "test",
        DRAIN_INTERVAL: "1s",
        HOST: "127.0.0.1",
        PORT: String(port),
      }),
      { logger: createLogger("silent", new LogCapture()) },
    );
    cleanups.push(() => again.stop());
    await again.start();
    await scrapes(prom, 3, before);
    const tracked = await promQuery(prom.url, 'dynatrace_events_tracked{environment="test"}');
    assert.equal(tracked[0]?.value, 400, "the restarted exporter holds the whole window again");
    const spike = await promQuery(prom.url, "sum(increase(dynatrace_events_observed_total[5m]))");
    assert.equal(spike[0]?.value ?? 0, 0);
  });
});
