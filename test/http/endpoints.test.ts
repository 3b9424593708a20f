import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import request from "supertest";
import { parseSamples, value } from "../helpers/exposition.js";
import { addBatch, MIN } from "../helpers/fixtures.js";
import { until } from "../helpers/wait.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { checkMetrics, promtoolSkip } from "../helpers/promtool.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function seeded(): Promise<Harness> {
  const harness = await startHarness();
  const now = harness.clock.now();
  addBatch(harness.sim, {
    count: 5,
    eventType: "CPU_SATURATED",
    newestStart: now - MIN,
    open: true,
  });
  addBatch(harness.sim, {
    count: 3,
    eventType: "PROCESS_RESTART",
    severityLevel: undefined,
    newestStart: now - MIN,
    open: false,
    durationMs: 0,
  });
  return harness;
}

describe("HTTP endpoints", () => {
  test("when the process runs, then /healthz answers 200", async () => {
    h = await startHarness();
    const res = await request(h.app.http).get("/healthz").expect(200);
    assert.deepEqual(res.body, { status: "ok" });
  });

  test("when no drain has succeeded yet, then /readyz is 503 with a JSON reason; after one, 200", async () => {
    h = await startHarness();
    h.sim.injectFault({ kind: "status", status: 500 }, 3);
    assert.equal(await h.drain(), false);
    const notReady = await request(h.app.http).get("/readyz").expect(503);
    assert.equal(notReady.body.status, "not ready");
    assert.match(notReady.body.reason, /first drain has not yet succeeded for: test/);
    assert.equal(notReady.body.environments[0].lastError.reason, "server_error");
    assert.equal(await h.drain(), true);
    const ready = await request(h.app.http).get("/readyz").expect(200);
    assert.equal(ready.body.status, "ready");
  });

  test("when the landing page is requested, then it shows version and environment state with security headers", async () => {
    h = await seeded();
    await h.drain();
    const res = await request(h.app.http).get("/").expect(200);
    assert.match(res.headers["content-type"] ?? "", /text\/html/);
    assert.match(res.text, /Version 0\.\d+\.\d+/);
    assert.match(res.text, /<th scope="row">test<\/th>.*<span class="state ok"[^>]*>.*ok<\/span>/);
    assert.match(res.text, /href="metrics"/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.match(res.headers["content-security-policy"] ?? "", /default-src 'none'/);
    assert.equal(res.headers["x-powered-by"], undefined);
  });

  test("when an unknown path is requested, then the answer is a JSON 404", async () => {
    h = await startHarness();
    const res = await request(h.app.http).get("/nope/../../etc/passwd").expect(404);
    assert.equal(res.body.error.code, 404);
    assert.match(res.headers["content-type"] ?? "", /application\/json/);
  });

  test("when /metrics is scraped, then the Prometheus text format has the contract's metrics", async () => {
    h = await seeded();
    await h.drain();
    const res = await request(h.app.http).get("/metrics").expect(200);
    assert.match(res.headers["content-type"] ?? "", /^text\/plain; version=0\.0\.4/);
    const names = new Set(parseSamples(res.text).map((s) => s.name));
    for (const n of [
      "dynatrace_events",
      "dynatrace_events_observed_total",
      "dynatrace_up",
      "dynatrace_last_drain_success_timestamp_seconds",
      "dynatrace_drain_duration_seconds_bucket",
      "dynatrace_drain_errors_total",
      "dynatrace_api_requests_total",
      "dynatrace_events_tracked",
      "dynatrace_exporter_build_info",
      "process_cpu_seconds_total",
    ]) {
      assert.ok(names.has(n), `missing ${n}`);
    }
    assert.equal(
      value(res.text, "dynatrace_last_drain_success_timestamp_seconds", { environment: "test" }),
      h.clock.now() / 1000,
    );
    assert.doesNotMatch(res.text, /^dynatrace_\S+ \S+ \d+$/m, "no timestamps on samples");
  });

  test("when the scraper asks for OpenMetrics, then it gets it, and a later plain scrape keeps _total names", async () => {
    h = await seeded();
    await h.drain();
    const om = await request(h.app.http)
      .get("/metrics")
      .set("Accept", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3")
      .expect(200);
    assert.match(om.headers["content-type"] ?? "", /^application\/openmetrics-text; version=1\.0\.0/);
    assert.match(om.text, /# EOF\n$/);
    assert.match(om.text, /^# TYPE dynatrace_events_observed counter$/m);
    assert.match(om.text, /^dynatrace_events_observed_total\{/m);
    const plain = await h.scrape();
    assert.match(plain, /^# TYPE dynatrace_events_observed_total counter$/m);
    assert.doesNotMatch(plain, /# EOF/);
  });

  test(
    "when promtool checks the exposition, then it finds no problem",
    {
      skip: promtoolSkip(),
    },
    async () => {
      h = await seeded();
      await h.drain();
      const r = checkMetrics(await h.scrape());
      assert.equal(r.status, 0, r.output);
      assert.equal(r.output.trim(), "");
    },
  );

  test("when a drain is in flight, then a scrape answers without waiting for it", async () => {
    const harness = await seeded();
    h = harness;
    await h.drain();
    h.clock.advance(MIN);
    h.sim.injectFault({ kind: "delay", ms: 60_000 }, 1);
    const draining = h.drain();
    await until(() => harness.feedRequests() >= 2, 10_000, "the drain's second request is in flight");
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_events", { event_type: "CPU_SATURATED", status: "OPEN" }), 5);
    assert.equal(h.app.statuses()[0]?.lastSuccessAt, h.clock.now() - MIN, "the drain is still running");
    await h.sim.close();
    await draining;
  });
});
