import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { type App, createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import type { TimeFilter } from "../../src/simulator/sim-store.js";
import { samples, total, value } from "../helpers/exposition.js";
import { addBatch, HOUR, MIN } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { LogCapture } from "../helpers/log-capture.js";

let h: Harness | undefined;
const extraApps: App[] = [];
afterEach(async () => {
  await Promise.all(extraApps.splice(0).map((a) => a.stop()));
  await h?.close();
  h = undefined;
});

const E = { environment: "test" };
const OPEN = { ...E, event_type: "CPU_SATURATED", status: "OPEN" };
const CLOSED = { ...E, event_type: "CPU_SATURATED", status: "CLOSED" };

for (const timeFilter of ["literal", "overlap"] as TimeFilter[]) {
  describe(`drain semantics when the server's time filter is ${timeFilter}`, () => {
    test("when an open event closes between drains, then the next drain shows it CLOSED", async () => {
      h = await startHarness({ sim: { timeFilter } });
      const now = h.clock.now();
      // One recent event and one that opened ten hours ago, long before the incremental range.
      h.sim.addEvent({ eventId: 9_000_000_000_000_000_001n, startTime: now - MIN });
      h.sim.addEvent({ eventId: 9_000_000_000_000_000_002n, startTime: now - 10 * HOUR });
      assert.equal(await h.drain(), true);
      assert.equal(value(await h.scrape(), "dynatrace_events", OPEN), 2);

      h.clock.advance(MIN);
      h.sim.store.close(9_000_000_000_000_000_001n, h.clock.now() - 10_000);
      h.sim.store.close(9_000_000_000_000_000_002n, h.clock.now() - 5_000);
      h.clock.advance(MIN);
      assert.equal(await h.drain(), true);
      const m = await h.scrape();
      assert.equal(value(m, "dynatrace_events", CLOSED), 2);
      assert.equal(value(m, "dynatrace_events", OPEN), 0, "the emptied series is exported as 0");
      const incremental = h.sim.requests.at(-1);
      assert.ok(Number(incremental?.query.get("from")) > now - 10 * HOUR, "the second drain was incremental");
    });
  });
}

describe("drain semantics", () => {
  test("when an event opened before the window and the server matches by overlap, then it counts while open", async () => {
    h = await startHarness({ sim: { timeFilter: "overlap" } });
    h.sim.addEvent({ eventId: 77n, startTime: h.clock.now() - 30 * HOUR });
    assert.equal(await h.drain(), true);
    assert.equal(value(await h.scrape(), "dynatrace_events", OPEN), 1);
  });

  test("when closed events age out of the window, then they leave the gauges, as 0 for one window, then gone", async () => {
    h = await startHarness({ env: { EVENTS_WINDOW: "1h", DRAIN_OVERLAP: "1m" } });
    const now = h.clock.now();
    addBatch(h.sim, {
      count: 3,
      eventType: "CPU_SATURATED",
      newestStart: now - 20 * MIN,
      open: false,
      durationMs: 10 * MIN,
    });
    addBatch(h.sim, {
      count: 2,
      eventType: "CPU_SATURATED",
      newestStart: now - 5 * MIN,
      open: true,
    });
    assert.equal(await h.drain(), true);
    assert.equal(value(await h.scrape(), "dynatrace_events", CLOSED), 3);

    h.clock.advance(55 * MIN);
    assert.equal(await h.drain(), true);
    let m = await h.scrape();
    assert.equal(value(m, "dynatrace_events", CLOSED), 0);
    assert.equal(value(m, "dynatrace_events", OPEN), 2, "open events stay however old");
    assert.equal(value(m, "dynatrace_events_tracked", E), 2);

    h.clock.advance(61 * MIN);
    assert.equal(await h.drain(), true);
    m = await h.scrape();
    assert.equal(
      samples(m, "dynatrace_events", CLOSED).length,
      0,
      "a zero series is dropped after one window",
    );
    assert.equal(value(m, "dynatrace_events", OPEN), 2);
  });

  test("when drains follow each other, then each reads from the last end minus the overlap", async () => {
    h = await startHarness({ env: { DRAIN_OVERLAP: "2m" } });
    const t0 = h.clock.now();
    assert.equal(await h.drain(), true);
    assert.equal(h.sim.requests[0]?.query.get("from"), String(t0 - 24 * HOUR));
    h.clock.advance(MIN);
    assert.equal(await h.drain(), true);
    assert.equal(h.sim.requests[1]?.query.get("from"), String(t0 - 2 * MIN));
    assert.equal(h.sim.requests[1]?.query.get("to"), String(t0 + MIN));
  });

  test("when a drain fails, then the position does not advance and the next drain re-reads what it missed", async () => {
    h = await startHarness({ maxAttempts: 2 });
    const t0 = h.clock.now();
    assert.equal(await h.drain(), true);
    h.clock.advance(MIN);
    h.sim.injectFault({ kind: "status", status: 500 }, 2);
    addBatch(h.sim, {
      count: 4,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - 1000,
      open: true,
    });
    assert.equal(await h.drain(), false);
    assert.equal(value(await h.scrape(), "dynatrace_events_tracked", E), 0);
    h.clock.advance(MIN);
    assert.equal(await h.drain(), true);
    const last = h.sim.requests.at(-1);
    assert.equal(last?.query.get("from"), String(t0 - 2 * MIN));
    assert.equal(value(await h.scrape(), "dynatrace_events", OPEN), 4);
  });

  test("when the resync interval passes, then events the server no longer returns are removed", async () => {
    h = await startHarness({ env: { RESYNC_INTERVAL: "1h" } });
    const [gone] = addBatch(h.sim, {
      count: 3,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - HOUR,
      open: false,
    });
    assert.equal(await h.drain(), true);
    h.sim.store.delete(gone?.eventId as bigint);
    h.clock.advance(MIN);
    assert.equal(await h.drain(), true);
    assert.equal(
      value(await h.scrape(), "dynatrace_events", CLOSED),
      3,
      "an incremental drain cannot see deletions",
    );
    h.clock.advance(HOUR);
    assert.equal(await h.drain(), true);
    assert.equal(
      h.sim.requests.at(-1)?.query.get("from"),
      String(h.clock.now() - 24 * HOUR),
      "it was a full read",
    );
    assert.equal(value(await h.scrape(), "dynatrace_events", CLOSED), 2);
  });

  test("when the process restarts, then events already in the window are a baseline, not observations", async () => {
    h = await startHarness();
    addBatch(h.sim, {
      count: 50,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - MIN,
      open: true,
    });
    assert.equal(await h.drain(), true);
    assert.equal(total(await h.scrape(), "dynatrace_events_observed_total"), 0);

    h.clock.advance(MIN);
    const restarted = createApp(
      loadConfigFromEnv({
        DYNATRACE_URL: h.sim.url,
        DYNATRACE_API_TOKEN: h.sim.token,
        DYNATRACE_ENVIRONMENT: "test",
      }),
      { clock: h.clock.now, logger: createLogger("silent", new LogCapture()) },
    );
    extraApps.push(restarted);
    addBatch(h.sim, {
      count: 2,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - 1,
      open: true,
    });
    assert.equal(await restarted.drainAll(), true);
    const { default: request } = await import("supertest");
    let m = (await request(restarted.http).get("/metrics")).text;
    assert.equal(
      total(m, "dynatrace_events_observed_total"),
      0,
      "52 events in the window, none new to the world",
    );
    assert.equal(
      value(m, "dynatrace_events_observed_total", { event_type: "CPU_SATURATED" }),
      0,
      "series exists at 0",
    );

    h.clock.advance(MIN);
    addBatch(h.sim, {
      count: 3,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - 1000,
      open: true,
    });
    addBatch(h.sim, {
      count: 1,
      eventType: "CONNECTION_LOST",
      newestStart: h.clock.now() - 1000,
      open: true,
    });
    assert.equal(await restarted.drainAll(), true);
    m = (await request(restarted.http).get("/metrics")).text;
    assert.equal(value(m, "dynatrace_events_observed_total", { event_type: "CPU_SATURATED" }), 3);
    assert.equal(value(m, "dynatrace_events_observed_total", { event_type: "CONNECTION_LOST" }), 1);
  });

  test("when an event starts after the process did, then even the first drain counts it as observed", async () => {
    h = await startHarness();
    h.clock.advance(1000);
    h.sim.addEvent({ eventId: 5n, startTime: h.clock.now() - 10 });
    h.sim.addEvent({ eventId: 6n, startTime: h.clock.now() - 2 * HOUR });
    assert.equal(await h.drain(), true);
    assert.equal(total(await h.scrape(), "dynatrace_events_observed_total"), 1);
  });

  test("when /metrics is scraped many times, then no request reaches the API", async () => {
    h = await startHarness();
    addBatch(h.sim, {
      count: 10,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - MIN,
      open: true,
    });
    assert.equal(await h.drain(), true);
    const before = h.feedRequests();
    for (let i = 0; i < 20; i++) await h.scrape();
    assert.equal(h.feedRequests(), before);
  });
});
