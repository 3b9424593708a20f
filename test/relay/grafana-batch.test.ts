import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import request from "supertest";
import {
  notification as alertmanagerNotification,
  alert as alertmanagerAlert,
} from "../helpers/alertmanager.js";
import { value } from "../helpers/exposition.js";
import { grafanaAlert, grafanaNotification, grafanaWebhook } from "../helpers/grafana.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const cpu = { name: "HighCpu", instance: "web01:9100", severity: "warning", fingerprint: "aa01" };

/** POSTs to the Grafana endpoint (or `path`) with the relay token as Grafana's default Bearer scheme. */
function post(harness: Harness, body: object, path = "/api/v1/grafana") {
  return request(harness.app.http).post(path).set("Authorization", `Bearer ${harness.relayToken}`).send(body);
}

describe("Grafana notifications, alert by alert", () => {
  test("when a notification mixes valid and invalid alerts, then 202 stores the valid ones and lists the others", async () => {
    h = await startHarness({ relay: true, env: { RELAY_API_VERSION: "v1" } });
    const body = grafanaWebhook("firing", [
      grafanaAlert(11, "firing", cpu),
      { ...grafanaAlert(11, "firing", cpu), labels: { alertname: "NoHost", severity: "critical" } },
      grafanaAlert(9, "firing", { ...cpu, name: "Other", fingerprint: "aa02" }),
      { ...grafanaAlert(10, "firing", cpu), startsAt: "yesterday" },
    ]);
    const res = await post(h, body).expect(202);
    assert.equal(res.body.accepted, 2);
    assert.equal(res.body.duplicates, 0);
    assert.equal(res.body.rejectedCount, 2);
    assert.deepEqual(
      (res.body.rejected as { index: number; errors: { path: string }[] }[]).map((r) => [
        r.index,
        r.errors[0]?.path,
      ]),
      [
        [1, "alerts.1.labels"],
        [3, "alerts.3.startsAt"],
      ],
    );
    const m = await h.scrape();
    const of = (outcome: string) =>
      value(m, "dynatrace_relay_received_total", { environment: "test", source: "grafana", outcome });
    assert.equal(of("rejected"), 2);
    assert.equal(of("accepted"), 2);
    assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 2);
  });

  test("when no alert of a notification is valid, then 400 lists why and nothing is queued", async () => {
    h = await startHarness({ relay: true });
    const bad = { ...grafanaAlert(11, "firing", cpu), status: "pending" };
    const res = await post(h, grafanaWebhook("firing", [bad, { labels: {} }])).expect(400);
    assert.match(res.body.error.message, /none of the 2 alerts can be relayed/);
    assert.equal(res.body.error.rejectedCount, 2);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 0);
  });

  test("when a payload goes to the other format's endpoint, then 400 names the endpoint it belongs to", async () => {
    h = await startHarness({ relay: true });
    const am = await post(h, alertmanagerNotification([alertmanagerAlert(1)])).expect(400);
    assert.match(am.body.error.message, /version 1 is supported .*\/api\/v1\/alertmanager/);
    const gf = await post(h, grafanaNotification(11, "firing", cpu), "/api/v1/alertmanager").expect(400);
    assert.match(gf.body.error.message, /version 4 is supported .*\/api\/v1\/grafana/);
  });

  test("when Grafana sends basic auth or an Authorization header, then the relay token is accepted either way, under /e/<environment>/ too", async () => {
    h = await startHarness({ relay: true });
    const body = grafanaNotification(11, "firing", cpu);
    await request(h.app.http).post("/api/v1/grafana").auth("grafana", h.relayToken).send(body).expect(202);
    await request(h.app.http)
      .post("/e/test/api/v1/grafana")
      .set("Authorization", `Bearer ${h.relayToken}`)
      .send(body)
      .expect(202);
    await request(h.app.http).post("/api/v1/grafana").auth("grafana", "wrong").send(body).expect(401);
    await post(h, body, "/e/elsewhere/api/v1/grafana").expect(404);
  });

  test("when the upstream is v1, then the event carries Grafana's title, description, values and links", async () => {
    h = await startHarness({ relay: true, realClock: true, env: { RELAY_API_VERSION: "v1" } });
    await h.start();
    await post(h, grafanaNotification(9, "resolved", cpu)).expect(202);
    await until(() => h!.sim.pushed.length === 1, 10_000, "event pushed");
    const event = h.sim.pushed[0] as {
      title: string;
      source: string;
      description: string;
      end?: number;
      customProperties: Record<string, string>;
    };
    assert.equal(event.title, "[RESOLVED] HighCpu on web01:9100");
    assert.equal(event.source, "Grafana Alerting");
    assert.match(event.description, /^HighCpu on web01:9100 is resolved: HighCpu is high\n/);
    assert.match(event.description, /Values: \[ var='B' labels=\{instance=web01\} value=94\.25 \]/);
    assert.equal(event.end, Date.parse("2026-11-01T12:30:00Z"));
    assert.equal(event.customProperties.fingerprint, "aa01");
    assert.match(event.customProperties.valueString ?? "", /var='C' value=1/);
    assert.match(event.customProperties.generatorURL ?? "", /^https:\/\/grafana\.example\/alerting\//);
    assert.equal(event.customProperties.runbook_url, "https://runbooks.example/memory");
    assert.equal(event.customProperties.dashboardURL, undefined);
  });

  test("when a notification is over Dynatrace's 1 MiB, then it is taken up to RELAY_ALERTMANAGER_MAX_BODY and refused with 413 beyond", async () => {
    h = await startHarness({ relay: true, env: { RELAY_ALERTMANAGER_MAX_BODY: "2MiB" } });
    const alerts = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        grafanaAlert(11, "firing", {
          ...cpu,
          fingerprint: `fp${i}`,
          annotations: { description: "x".repeat(2000) },
        }),
      );
    const big = grafanaWebhook("firing", alerts(600));
    assert.ok(JSON.stringify(big).length > 1024 * 1024);
    const res = await post(h, big).expect(202);
    assert.equal(res.body.accepted, 600);
    const tooBig = await post(h, grafanaWebhook("firing", alerts(1100))).expect(413);
    assert.equal(tooBig.body.error.code, 413);
  });
});
