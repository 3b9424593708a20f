import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { value } from "../helpers/exposition.js";
import { alert, invalid, notification, postRaw, type Rejected } from "../helpers/alertmanager.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

// A file of its own: delivering 4,285 alarms takes a while on a busy machine.
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("a 5,000-alert Alertmanager notification", () => {
  test("when 5,000 alerts arrive with every 7th invalid, then the valid ones are queued and delivered, the rejects listed", async () => {
    // The harness's 0.3 s request timeout is for fault tests; on a busy machine it would turn slow
    // pushes into timeouts and (ingest not being idempotent) duplicates.
    h = await startHarness({ relay: true, realClock: true, env: { HTTP_TIMEOUT: "10s" } });
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
    const distinct = () => new Set(h?.sim.pushed.map((p) => p.title)).size;
    await until(() => distinct() === 5000 - bad.length, 120_000, "every valid alert delivered");
    const titles = new Set(h.sim.pushed.map((p) => p.title));
    assert.ok(titles.has("[FIRING] Alert1") && !titles.has("[FIRING] Alert7"));
  });
});
