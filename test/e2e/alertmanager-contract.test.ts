import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, test } from "node:test";
import { request } from "undici";
import { total, value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { type RunningProgram, realProgramsSkip, startAlertmanager } from "../helpers/real-programs.js";
import { until } from "../helpers/wait.js";

const SKIP = realProgramsSkip();
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A relay harness and a real Alertmanager whose one receiver is the relay, grouping by alertname. */
async function setup(env: Record<string, string> = {}): Promise<{ h: Harness; am: RunningProgram }> {
  const h = await startHarness({ relay: true, realClock: true, env });
  cleanups.push(() => h.close());
  const base = await h.start();
  const am = await startAlertmanager(
    [
      "route: { receiver: dynatrace, group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1h }",
      "receivers:",
      "  - name: dynatrace",
      "    webhook_configs:",
      `      - url: ${base}/api/v1/alertmanager`,
      `        http_config: { authorization: { credentials: ${JSON.stringify(h.relayToken)} } }`,
    ].join("\n"),
  );
  cleanups.push(() => am.stop());
  return { h, am };
}

/** Fires alerts in Alertmanager; `attached(i)` false leaves alert i without a host or instance label. */
async function fire(am: RunningProgram, n: number, attached: (i: number) => boolean): Promise<void> {
  const alerts = Array.from({ length: n }, (_, i) => ({
    labels: { alertname: "Batch", id: String(i), ...(attached(i) ? { instance: `host${i}:9100` } : {}) },
    annotations: { summary: `alert ${i}` },
    startsAt: new Date().toISOString(),
  }));
  const res = await request(`${am.url}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(alerts),
  });
  await res.body.dump();
  assert.equal(res.statusCode, 200);
}

/** Alertmanager's own count of failed webhook notifications (a flush whose retries all got 5xx). */
async function failedNotifications(am: RunningProgram): Promise<number> {
  const res = await request(`${am.url}/metrics`);
  const text = await res.body.text();
  return total(text, "alertmanager_notifications_failed_total", { integration: "webhook" });
}

const rejected = async (h: Harness) =>
  value(await h.scrape(), "dynatrace_relay_received_total", {
    environment: "test",
    source: "alertmanager",
    outcome: "rejected",
  });

describe("Alertmanager's retry contract, with a real Alertmanager", { skip: SKIP }, () => {
  test("when a group holds valid and invalid alerts, then the valid ones are delivered once and nothing is re-sent", async () => {
    const { h, am } = await setup();
    await fire(am, 70, (i) => i % 7 !== 0);
    // At least 60, then exactly 60: a re-sent alert fails the assertion below, not a timeout.
    await until(() => h.sim.pushed.length >= 60, 60_000, "the 60 valid alerts delivered");
    await until(async () => (await rejected(h)) === 10, 10_000, "10 rejects counted");
    // An absence: three group intervals (1 s) in which a notification taken as failed would be re-sent.
    await sleep(3000);
    assert.equal(await rejected(h), 10, "a 2xx: Alertmanager did not send the notification again");
    assert.equal(h.sim.pushed.length, 60);
    assert.equal(h.logs.find("alerts of a notification rejected").length, 1);
  });

  test("when the outbox is full, then the 503 makes Alertmanager retry until the alerts are stored", async () => {
    const { h, am } = await setup({ RELAY_QUEUE_LIMIT: "10" });
    h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    await fire(am, 8, () => true);
    await until(() => h.app.relay.summary()?.[0]?.queued === 8, 20_000, "the first group queued");
    const res = await request(`${am.url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        Array.from({ length: 5 }, (_, i) => ({
          labels: { alertname: "Second", id: String(i), instance: `db${i}:9100` },
          startsAt: new Date().toISOString(),
        })),
      ),
    });
    await res.body.dump();
    // Alertmanager sends the group within a second or two and gets 503 (8 + 5 > 10) each time.
    await until(async () => (await failedNotifications(am)) >= 1, 20_000, "Alertmanager saw the 503");
    assert.equal(h.app.relay.summary()?.[0]?.queued, 8, "the second group was refused (queue limit 10)");
    h.sim.faults.clear();
    await until(() => h.sim.pushed.length === 13, 30_000, "both groups delivered after Alertmanager retried");
    const titles = h.sim.pushed.map((p) => String(p.title));
    assert.equal(titles.filter((t) => t === "[FIRING] Second").length, 5);
    assert.equal(total(await h.scrape(), "dynatrace_relay_received_total", { outcome: "accepted" }), 13);
  });
});
