import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import request from "supertest";
import { alert, invalid, notification, postRaw, type Rejected } from "../helpers/alertmanager.js";
import { total, value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("Alertmanager notifications, alert by alert", () => {
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
