import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { FeedEvent } from "../../src/dynatrace/feed-event.js";
import { EventStore } from "../../src/feed/event-store.js";
import { value } from "../helpers/exposition.js";
import { type FakeRig, startFakeRig } from "../helpers/fake-tenant.js";

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const E = { environment: "test" };

function ev(n: number, key = `${n}_1000`): FeedEvent {
  return {
    key,
    eventType: `T${n % 3}`,
    severityLevel: "ERROR",
    impactLevel: "SERVICE",
    open: n % 2 === 0,
    startTime: 1000,
    endTime: n % 2 === 0 ? -1 : 2000,
  };
}

describe("store memory follows the store up from small", () => {
  test("when a store holds twenty events, then it holds room for 64 events and 256 index places, not 65,536", () => {
    const store = new EventStore(() => 10_000);
    assert.deepEqual(store.capacity, { slots: 0, indexSlots: 16 * 16 }, "empty");
    for (let n = 0; n < 20; n++) store.upsert(ev(n), 1);
    assert.deepEqual(store.capacity, { slots: 64, indexSlots: 16 * 16 });
  });

  test("when a store grows past a chunk's start, then its room doubles and every event is still found", () => {
    const store = new EventStore(() => 10_000);
    for (let n = 0; n < 70_000; n++) store.upsert(ev(n, n % 7 === 0 ? `str-key-${n}` : undefined), 1);
    assert.equal(store.capacity.slots, 65_536 + 8_192);
    for (let n = 0; n < 70_000; n++) {
      assert.equal(store.upsert(ev(n, n % 7 === 0 ? `str-key-${n}` : undefined), 2), -1, `key of ${n}`);
    }
    assert.equal(store.sweep(2, 0), 0);
    assert.equal(store.size, 70_000);
  });
});

describe("store memory follows the store down", () => {
  test("when most events are swept, then compaction shrinks the columns and index and keeps every key findable", () => {
    const store = new EventStore(() => 10_000);
    for (let n = 0; n < 200_000; n++) store.upsert(ev(n, n % 5 === 0 ? `str-key-${n}` : undefined), 1);
    const before = store.capacity;
    // Generation 2 re-reads only every fourth event: the rest is swept.
    for (let n = 0; n < 200_000; n += 4) store.upsert(ev(n, n % 5 === 0 ? `str-key-${n}` : undefined), 2);
    store.sweep(2, 0);
    assert.equal(store.size, 50_000);
    assert.equal(store.compactIfSparse(), true);
    const after = store.capacity;
    // Three full chunks and a fourth grown to hold the last 3,392 events.
    assert.deepEqual(before, { slots: 3 * 65_536 + 4_096, indexSlots: 16 * 32_768 });
    assert.ok(after.slots === 65_536 && after.indexSlots <= 16 * 16_384, JSON.stringify(after));
    // Every key is still found: upserting them again adds nothing.
    for (let n = 0; n < 200_000; n += 4) {
      assert.equal(store.upsert(ev(n, n % 5 === 0 ? `str-key-${n}` : undefined), 3), -1, `key of ${n}`);
    }
    assert.equal(store.size, 50_000);
    let open = 0;
    store.forEachCount(0, (_id, _d, status, n) => {
      if (status === "OPEN") open += n;
    });
    assert.equal(open, 50_000, "every fourth event is even, hence open");
    assert.equal(store.compactIfSparse(), false, "a dense store is left alone");
  });

  test("when a resync returns far fewer events over HTTP, then the drain reports less capacity and later drains count exactly", async () => {
    rig = await startFakeRig({ DYNATRACE_API_VERSION: "v2", RESYNC_INTERVAL: "1m" }, 3);
    let live = 200_000;
    rig.tenant.handler = (url) => {
      const now = rig?.clock.now() ?? 0;
      if (url.searchParams.has("eventSelector")) return { body: '{"events":[]}' };
      const page = Number(url.searchParams.get("nextPageKey") ?? 0);
      const events = Array.from({ length: 1000 }, (_, i) => ({
        eventId: `${page * 1000 + i}_${now - 3_600_000}`,
        startTime: now - 3_600_000,
        status: "OPEN",
        eventType: "CPU_SATURATED",
      }));
      const next = (page + 1) * 1000 < live ? String(page + 1) : null;
      return { body: JSON.stringify({ totalCount: live, nextPageKey: next, events }) };
    };
    assert.equal(await rig.app.drainAll(), true);
    const big = rig.app.statuses()[0]?.capacity;
    assert.equal(big?.slots, 3 * 65_536 + 4_096);
    live = 60_000;
    rig.clock.advance(120_000);
    assert.equal(await rig.app.drainAll(), true);
    const small = rig.app.statuses()[0]?.capacity;
    assert.equal(small?.slots, 65_536, "three of four chunks released");
    assert.ok((small?.indexSlots ?? 0) <= (big?.indexSlots ?? 0) / 2, JSON.stringify({ big, small }));
    rig.clock.advance(120_000);
    assert.equal(await rig.app.drainAll(), true);
    const m = await rig.scrape();
    assert.equal(value(m, "dynatrace_events_tracked", E), 60_000);
    assert.equal(value(m, "dynatrace_events", { ...E, event_type: "CPU_SATURATED", status: "OPEN" }), 60_000);
  });
});
