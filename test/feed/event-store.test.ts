import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FeedEvent } from "../../src/dynatrace/feed-event.js";
import { EventStore } from "../../src/feed/event-store.js";

function ev(key: string, over: Partial<FeedEvent> = {}): FeedEvent {
  return {
    key,
    eventType: "A",
    severityLevel: "S",
    impactLevel: "I",
    open: true,
    startTime: 0,
    endTime: -1,
    ...over,
  };
}

function counts(store: EventStore): Record<string, number> {
  const out: Record<string, number> = {};
  store.forEachCount(1000, (_id, d, status, n) => {
    out[`${d.eventType}/${status}`] = n;
  });
  return out;
}

describe("EventStore", () => {
  test("when an event is upserted twice, then it is counted once and the second call is not new", () => {
    const s = new EventStore(() => 0);
    assert.ok(s.upsert(ev("1"), 1) >= 0);
    assert.equal(s.upsert(ev("1"), 1), -1);
    assert.deepEqual(counts(s), { "A/OPEN": 1 });
  });

  test("when an event changes status or type, then counts move with it", () => {
    const s = new EventStore(() => 0);
    s.upsert(ev("1"), 1);
    s.upsert(ev("2"), 1);
    s.upsert(ev("1", { open: false, endTime: 10 }), 2);
    s.upsert(ev("2", { eventType: "B" }), 2);
    assert.deepEqual(counts(s), { "A/OPEN": 0, "A/CLOSED": 1, "B/OPEN": 1 });
  });

  test("when slots are freed by eviction, then they are reused without corrupting other events", () => {
    let now = 0;
    const s = new EventStore(() => now);
    for (let i = 0; i < 3000; i++)
      s.upsert(ev(String(i), { open: i % 2 === 0, endTime: i % 2 === 0 ? -1 : i }), 1);
    assert.equal(s.evictEndedBefore(2000), 1000);
    assert.equal(s.size, 2000);
    for (let i = 3000; i < 4000; i++) s.upsert(ev(String(i), { eventType: "B" }), 2);
    assert.equal(s.size, 3000);
    assert.deepEqual(counts(s), { "A/OPEN": 1500, "A/CLOSED": 500, "B/OPEN": 1000 });
    now = 5000;
    assert.deepEqual(counts(s), { "A/OPEN": 1500, "A/CLOSED": 500, "B/OPEN": 1000 });
  });

  test("when a sweep follows a full read, then unseen events go except open ones that started before it", () => {
    const s = new EventStore(() => 0);
    s.upsert(ev("old-open", { startTime: 5 }), 1);
    s.upsert(ev("old-closed", { startTime: 5, open: false, endTime: 6 }), 1);
    s.upsert(ev("recent-open", { startTime: 50 }), 1);
    s.upsert(ev("seen", { startTime: 60 }), 2);
    assert.equal(s.sweep(2, 10), 2);
    assert.equal(s.size, 2);
    assert.deepEqual(counts(s), { "A/OPEN": 2, "A/CLOSED": 0 });
  });
});
