import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { value } from "../helpers/exposition.js";
import { addBatch, HOUR, MIN } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const E = { environment: "test" };

/** 1,000 events over the last 23 hours in three label sets: 7 pages of 150. */
function seedThousand(harness: Harness) {
  const now = harness.clock.now();
  addBatch(harness.sim, {
    count: 400,
    eventType: "CPU_SATURATED",
    newestStart: now - MIN,
    spacingMs: 3 * MIN,
    open: true,
  });
  addBatch(harness.sim, {
    count: 350,
    eventType: "CONNECTION_LOST",
    severityLevel: "AVAILABILITY",
    newestStart: now - 2 * MIN,
    spacingMs: 3 * MIN,
    open: false,
  });
  addBatch(harness.sim, {
    count: 250,
    eventType: "PROCESS_RESTART",
    severityLevel: undefined,
    newestStart: now - 3 * MIN,
    spacingMs: 5 * MIN,
    open: false,
    durationMs: 0,
  });
}

function assertThousand(metrics: string) {
  assert.equal(
    value(metrics, "dynatrace_events", { ...E, event_type: "CPU_SATURATED", status: "OPEN" }),
    400,
  );
  assert.equal(
    value(metrics, "dynatrace_events", {
      ...E,
      event_type: "CONNECTION_LOST",
      severity_level: "AVAILABILITY",
      impact_level: "INFRASTRUCTURE",
      status: "CLOSED",
    }),
    350,
  );
  assert.equal(
    value(metrics, "dynatrace_events", {
      ...E,
      event_type: "PROCESS_RESTART",
      // v1 omits the severity of info events; the event type's category supplies it.
      severity_level: "INFO",
      status: "CLOSED",
    }),
    250,
  );
  assert.equal(value(metrics, "dynatrace_events_tracked", E), 1000);
  assert.equal(value(metrics, "dynatrace_up", E), 1);
}

describe("paging through the v1 feed", () => {
  test("when the server pages with nextCursor, then every page is read and counts are exact", async () => {
    h = await startHarness({ sim: { paging: "cursor" } });
    seedThousand(h);
    assert.equal(await h.drain(), true);
    assertThousand(await h.scrape());
    assert.equal(h.feedRequests(), 7);
    const cursors = h.sim.requests.slice(1).map((r) => [...r.query.keys()]);
    assert.deepEqual(cursors, Array(6).fill(["cursor"]), "continuations send the cursor alone");
  });

  test("when the server only gives nextEventStartTms/nextEventId, then legacy paging reads everything", async () => {
    h = await startHarness({ sim: { paging: "legacy", withIdField: false } });
    seedThousand(h);
    assert.equal(await h.drain(), true);
    assertThousand(await h.scrape());
    assert.ok(h.sim.requests.every((r) => !r.query.has("cursor")));
    const tos = h.sim.requests.map((r) => Number(r.query.get("to")));
    assert.deepEqual(
      tos,
      [...tos].sort((a, b) => b - a),
      "each continuation moves `to` back in time",
    );
  });

  test("when many events share a start time across a legacy page boundary, then none is lost or doubled", async () => {
    h = await startHarness({ sim: { paging: "legacy", withIdField: false } });
    const now = h.clock.now();
    // 20 start times with 10 events each: page boundaries fall inside groups of equal start time.
    for (let g = 0; g < 20; g++) {
      addBatch(h.sim, {
        count: 10,
        eventType: "CPU_SATURATED",
        newestStart: now - g * MIN,
        spacingMs: 0,
        open: true,
      });
    }
    assert.equal(await h.drain(), true);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_events", { ...E, event_type: "CPU_SATURATED", status: "OPEN" }), 200);
    assert.equal(value(m, "dynatrace_events_tracked", E), 200);
  });

  test("when the server hands out cursors forever, then the drain stops at the page count totalEventCount allows", async () => {
    h = await startHarness();
    addBatch(h.sim, { count: 300, eventType: "CPU_SATURATED", newestStart: h.clock.now() - MIN, open: true });
    h.sim.injectFault({ kind: "endless-cursor" }, Number.POSITIVE_INFINITY);
    assert.equal(await h.drain(), false);
    // 300 events allow 2 pages; the guard leaves room for repeats and late events, then gives up.
    assert.equal(h.feedRequests(), Math.ceil(300 / 75) + 2);
    assert.equal(value(await h.scrape(), "dynatrace_drain_errors_total", { ...E, reason: "paging_loop" }), 1);
  });

  test("when two ids differ only beyond 2^53 and the server sends no id field, then both events count", async () => {
    h = await startHarness({ sim: { paging: "legacy", withIdField: false } });
    const start = h.clock.now() - HOUR;
    h.sim.addEvent({ eventId: 5764607523034234881n, startTime: start, eventType: "CPU_SATURATED" });
    h.sim.addEvent({ eventId: 5764607523034234882n, startTime: start, eventType: "CPU_SATURATED" });
    assert.equal(Number(5764607523034234881n), Number(5764607523034234882n), "the ids collide as JS numbers");
    assert.equal(await h.drain(), true);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_events", { ...E, event_type: "CPU_SATURATED", status: "OPEN" }), 2);
    assert.equal(value(m, "dynatrace_events_tracked", E), 2);
  });

  test("when the Managed URL form is configured, then the feed is read under /e/<environment-id>", async () => {
    h = await startHarness({ managed: true });
    addBatch(h.sim, {
      count: 3,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - MIN,
      open: true,
    });
    assert.equal(await h.drain(), true);
    assert.equal(h.sim.requests[0]?.path, `/e/${h.sim.environmentId}/api/v1/events`);
    assert.equal(h.sim.requests[0]?.authorization, `Api-Token ${h.sim.token}`);
    assert.equal(value(await h.scrape(), "dynatrace_events_tracked", E), 3);
  });

  test("when ENTITY_ID is set, then it is passed to the API and only that entity's events count", async () => {
    h = await startHarness({ env: { ENTITY_ID: "HOST-00000000000000AA" } });
    const now = h.clock.now();
    h.sim.addEvent({ eventId: 1n, startTime: now - MIN, entityId: "HOST-00000000000000AA" });
    h.sim.addEvent({ eventId: 2n, startTime: now - MIN, entityId: "HOST-00000000000000BB" });
    assert.equal(await h.drain(), true);
    assert.equal(h.sim.requests[0]?.query.get("entityId"), "HOST-00000000000000AA");
    assert.equal(value(await h.scrape(), "dynatrace_events_tracked", E), 1);
  });

  test("when EVENT_TYPES and EXCLUDE_EVENT_TYPES are set, then they filter client side", async () => {
    h = await startHarness({
      env: { EVENT_TYPES: "CPU_SATURATED,CUSTOM_INFO", EXCLUDE_EVENT_TYPES: "CUSTOM_INFO" },
    });
    const now = h.clock.now();
    for (const [i, t] of ["CPU_SATURATED", "CUSTOM_INFO", "CONNECTION_LOST"].entries()) {
      addBatch(h.sim, { count: i + 2, eventType: t, newestStart: now - MIN, open: true });
    }
    assert.equal(await h.drain(), true);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_events_tracked", E), 2);
    assert.equal(value(m, "dynatrace_events", { ...E, event_type: "CPU_SATURATED", status: "OPEN" }), 2);
  });

  test("when events carry unknown enum values, missing fields and extra fields, then they are counted", async () => {
    h = await startHarness();
    const now = h.clock.now();
    h.sim.addEvent({
      eventId: 11n,
      startTime: now - MIN,
      eventType: "BRAND_NEW_TYPE",
      severityLevel: "INFO",
    });
    h.sim.addEvent({
      eventId: 12n,
      startTime: now - MIN,
      eventType: "MARKED_FOR_TERMINATION",
      severityLevel: undefined,
    });
    h.sim.addEvent({
      eventId: 14n,
      startTime: now - MIN,
      eventType: "ANOTHER_NEW_TYPE",
      severityLevel: undefined,
    });
    h.sim.addEvent({
      eventId: 13n,
      startTime: now - MIN,
      eventType: "CUSTOM_ALERT",
      severityLevel: "SOMETHING_NEW",
      impactLevel: undefined,
      extra: {
        affectedRequestsPerMinute: 5.5,
        customProperties: { a: "b" },
        nested: { deep: [1, { x: null }] },
      },
    });
    assert.equal(await h.drain(), true);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_events", { event_type: "BRAND_NEW_TYPE", severity_level: "INFO" }), 1);
    assert.equal(
      value(m, "dynatrace_events", {
        event_type: "MARKED_FOR_TERMINATION",
        severity_level: "INFO",
      }),
      1,
    );
    assert.equal(
      value(m, "dynatrace_events", { event_type: "ANOTHER_NEW_TYPE", severity_level: "unknown" }),
      1,
    );
    assert.equal(
      value(m, "dynatrace_events", {
        event_type: "CUSTOM_ALERT",
        severity_level: "SOMETHING_NEW",
        impact_level: "unknown",
      }),
      1,
    );
  });
});
