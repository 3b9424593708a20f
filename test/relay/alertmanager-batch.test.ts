import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import request from "supertest";
import { request as undiciRequest } from "undici";
import { total, value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A valid firing alert with a unique fingerprint and `pad` bytes of annotation. */
function alert(i: number, pad = 0) {
  return {
    status: "firing",
    labels: { alertname: `Alert${i}`, instance: `host${i % 50}:9100`, severity: "warning" },
    annotations: { summary: `alert ${i}`, ...(pad ? { description: "x".repeat(pad) } : {}) },
    startsAt: "2026-11-01T10:00:00Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus/graph",
    fingerprint: `fp${i.toString(16).padStart(12, "0")}`,
  };
}

/** Three kinds of invalid alert, so the rejects cover the schema and the mapping. */
function invalid(i: number) {
  const a = alert(i);
  switch (i % 3) {
    case 0:
      return { ...a, labels: { alertname: `NoHost${i}` } };
    case 1:
      return { ...a, startsAt: "yesterday" };
    default:
      return { ...a, labels: { ...a.labels, severity: 3 } };
  }
}

function notification(alerts: unknown[]) {
  return {
    version: "4",
    groupKey: '{}:{alertname="X"}',
    truncatedAlerts: 0,
    status: "firing",
    receiver: "dynatrace",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    alerts,
  };
}

interface Rejected {
  index: number;
  fingerprint: string | null;
  errors: { path: string; message: string }[];
}

interface BatchAnswer {
  accepted: number;
  rejectedCount: number;
  rejected: Rejected[];
  error: { code: number };
}

async function postRaw(base: string, body: string, token: string) {
  const res = await undiciRequest(`${base}/api/v1/alertmanager`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as BatchAnswer,
  };
}

describe("Alertmanager notifications, alert by alert", () => {
  test("when 5,000 alerts arrive with every 7th invalid, then the valid ones are queued and delivered, the rejects listed", async () => {
    h = await startHarness({ relay: true, realClock: true });
    const base = await h.start();
    const alerts = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? invalid(i) : alert(i)));
    const bad = alerts.map((_, i) => i).filter((i) => i % 7 === 0);
    const res = await postRaw(base, JSON.stringify(notification(alerts)), h.relayToken);
    assert.equal(res.status, 202, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.accepted, 5000 - bad.length);
    assert.equal(res.body.rejectedCount, bad.length);
    assert.deepEqual(
      res.body.rejected.map((r) => r.index),
      bad,
    );
    const first = res.body.rejected[0] as Rejected;
    assert.equal(first.fingerprint, "fp000000000000");
    assert.equal(first.errors[0]?.path, "alerts.0.labels");
    assert.ok(
      res.body.rejected.every((r) => r.errors.length > 0),
      "every reject says why",
    );
    assert.equal(h.logs.find("alerts of a notification rejected").length, 1, "logged once per notification");
    const m = await h.scrape();
    assert.equal(
      value(m, "dynatrace_relay_received_total", {
        environment: "test",
        source: "alertmanager",
        outcome: "rejected",
      }),
      bad.length,
    );
    await until(() => h?.sim.pushed.length === 5000 - bad.length, 50_000, "every valid alert delivered");
    const titles = new Set(h.sim.pushed.map((p) => p.title));
    assert.ok(titles.has("[FIRING] Alert1") && !titles.has("[FIRING] Alert7"));
  });

  test("when no alert of a notification is valid, then 400 lists why and nothing is queued", async () => {
    h = await startHarness({ relay: true });
    const res = await request(h.app.http)
      .post("/api/v1/alertmanager")
      .set("Authorization", `Bearer ${h.relayToken}`)
      .send(notification([invalid(0), invalid(1), invalid(2)]))
      .expect(400);
    const body = res.body as {
      error: { message: string; rejected: Rejected[]; constraintViolations: Rejected["errors"] };
    };
    assert.match(body.error.message, /none of the 3 alerts can be relayed/);
    assert.deepEqual(
      body.error.rejected.map((r) => r.index),
      [0, 1, 2],
    );
    assert.deepEqual(
      body.error.constraintViolations.map((v) => v.path),
      ["alerts.0.labels", "alerts.1.startsAt", "alerts.2.labels.severity"],
    );
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 0);
    assert.equal(total(m, "dynatrace_relay_received_total", { outcome: "rejected" }), 3);
  });

  test("when the outbox cannot store the alerts, then 503 with Retry-After (Alertmanager retries)", async () => {
    h = await startHarness({ relay: true, env: { RELAY_QUEUE_LIMIT: "3" } });
    const res = await request(h.app.http)
      .post("/api/v1/alertmanager")
      .set("Authorization", `Bearer ${h.relayToken}`)
      .send(notification([alert(1), alert(2), alert(3), alert(4), invalid(5)]))
      .expect(503);
    assert.equal(res.headers["retry-after"], "30");
    assert.match(res.body.error.message, /queue for test is full/);
  });

  test("when a 5 MB notification arrives, then it is accepted; over the limit it gets a JSON 413", async () => {
    h = await startHarness({ relay: true, realClock: true, env: { RELAY_ALERTMANAGER_MAX_BODY: "6MiB" } });
    const base = await h.start();
    const big = JSON.stringify(notification(Array.from({ length: 2500 }, (_, i) => alert(i, 2000))));
    assert.ok(big.length > 5_000_000 && big.length < 6 * 1024 * 1024, String(big.length));
    const ok = await postRaw(base, big, h.relayToken);
    assert.equal(ok.status, 202);
    assert.equal(ok.body.accepted, 2500);
    const tooBig = JSON.stringify(notification(Array.from({ length: 3100 }, (_, i) => alert(i, 2000))));
    assert.ok(tooBig.length > 6 * 1024 * 1024);
    const refused = await postRaw(base, tooBig, h.relayToken);
    assert.equal(refused.status, 413);
    assert.equal(refused.body.error.code, 413);
  });
});
