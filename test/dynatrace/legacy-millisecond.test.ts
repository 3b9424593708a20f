import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { total, value } from "../helpers/exposition.js";
import { addBatch, MIN } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const E = { environment: "test" };
const LEGACY = { sim: { paging: "legacy" as const, withIdField: false } };

let nextId = 10_000_000n;
/** `count` events of `eventType` for `entityId`, all starting at `startTime`, open. */
function burst(harness: Harness, startTime: number, eventType: string, entityId: string, count: number) {
  for (let i = 0; i < count; i++) {
    harness.sim.addEvent({ eventId: nextId++, startTime, endTime: -1, eventType, entityId });
  }
}

const skippedAt = async (harness: Harness) =>
  value(await harness.scrape(), "dynatrace_events_skipped_total", { ...E, reason: "legacy_millisecond" });

describe("legacy v1 paging past a millisecond of more than 150 events", () => {
  test("when one millisecond holds 400 events of several types and entities, then the drain reads past it and every gauge is exact", async () => {
    h = await startHarness(LEGACY);
    const t = h.clock.now() - 10 * MIN;
    burst(h, t, "CPU_SATURATED", "HOST-0000000000000001", 90);
    burst(h, t, "CPU_SATURATED", "HOST-0000000000000002", 90);
    burst(h, t, "CONNECTION_LOST", "HOST-0000000000000003", 140);
    burst(h, t, "PROCESS_RESTART", "PROCESS_GROUP_INSTANCE-0000000000000004", 80);
    addBatch(h.sim, {
      count: 200,
      eventType: "CPU_SATURATED",
      newestStart: t + 5 * MIN,
      spacingMs: 1000,
      open: true,
    });
    addBatch(h.sim, {
      count: 200,
      eventType: "SLOW_DISK",
      newestStart: t - MIN,
      spacingMs: 1000,
      open: true,
    });
    assert.equal(await h.drain(), true);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_events_tracked", E), 800);
    assert.equal(total(m, "dynatrace_events", { ...E, event_type: "CPU_SATURATED" }), 380);
    assert.equal(total(m, "dynatrace_events", { ...E, event_type: "CONNECTION_LOST" }), 140);
    assert.equal(total(m, "dynatrace_events", { ...E, event_type: "PROCESS_RESTART" }), 80);
    assert.equal(total(m, "dynatrace_events", { ...E, event_type: "SLOW_DISK" }), 200);
    assert.equal(value(m, "dynatrace_drain_errors_total", { ...E, reason: "paging_loop" }), 0);
    assert.equal(await skippedAt(h), 0);
    const filtered = h.sim.requests.filter(
      (r) => r.query.get("from") === String(t) && r.query.get("to") === String(t),
    );
    assert.ok(
      filtered.every((r) =>
        [...r.query.keys()].every((k) => ["from", "to", "eventType", "entityId"].includes(k)),
      ),
    );
  });

  test("when one entity has 200 events of one type in one millisecond, then the rest is read, 50 are counted as skipped and the drain goes on", async () => {
    h = await startHarness(LEGACY);
    const t = h.clock.now() - 10 * MIN;
    burst(h, t, "CPU_SATURATED", "HOST-0000000000000001", 200);
    burst(h, t, "CONNECTION_LOST", "HOST-0000000000000002", 30);
    addBatch(h.sim, {
      count: 100,
      eventType: "SLOW_DISK",
      newestStart: t - MIN,
      spacingMs: 1000,
      open: true,
    });
    assert.equal(await h.drain(), true);
    const m = await h.scrape();
    assert.equal(total(m, "dynatrace_events", { ...E, event_type: "CPU_SATURATED" }), 150);
    assert.equal(total(m, "dynatrace_events", { ...E, event_type: "CONNECTION_LOST" }), 30);
    assert.equal(total(m, "dynatrace_events", { ...E, event_type: "SLOW_DISK" }), 100);
    assert.equal(await skippedAt(h), 50);
    assert.equal(value(m, "dynatrace_up", E), 1);
    assert.equal(await h.drain(), true, "the next drain is not frozen either");
  });
});
