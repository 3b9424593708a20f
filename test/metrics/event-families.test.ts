import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FeedEvent } from "../../src/dynatrace/feed-event.js";
import { EventStore } from "../../src/feed/event-store.js";
import { EventFamilies } from "../../src/metrics/event-families.js";

function event(key: string, over: Partial<FeedEvent> = {}): FeedEvent {
  return {
    key,
    eventType: "CPU_SATURATED",
    severityLevel: "RESOURCE_CONTENTION",
    impactLevel: "INFRASTRUCTURE",
    open: true,
    startTime: 1,
    endTime: -1,
    ...over,
  };
}

function setup(retainZeroMs = 60_000) {
  let now = 1_000_000;
  const store = new EventStore(() => now);
  const families = new EventFamilies(() => [{ environment: "prod", store, retainZeroMs }]);
  return {
    store,
    text: (om = false) => families.render(om).toString(),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("EventFamilies", () => {
  test("when label values hold quotes, backslashes and newlines, then they are escaped", () => {
    const s = setup();
    s.store.upsert(event("a", { eventType: 'A"B\\C\nD' }), 1);
    assert.match(
      s.text(),
      /^dynatrace_events\{environment="prod",event_type="A\\"B\\\\C\\nD",.*status="OPEN"\} 1$/m,
    );
  });

  test("when rendered as OpenMetrics, then the counter family is named without _total", () => {
    const s = setup();
    s.store.upsert(event("a"), 1);
    s.store.markObserved(0);
    const om = s.text(true);
    assert.match(om, /^# TYPE dynatrace_events_observed counter$/m);
    assert.match(om, /^dynatrace_events_observed_total\{.*\} 1$/m);
    assert.match(s.text(false), /^# TYPE dynatrace_events_observed_total counter$/m);
  });

  test("when a count changes between scrapes, then the next scrape shows the new value", () => {
    const s = setup();
    s.store.upsert(event("a"), 1);
    assert.match(s.text(), /status="OPEN"\} 1$/m);
    s.store.upsert(event("b"), 1);
    assert.match(s.text(), /status="OPEN"\} 2$/m);
    s.store.upsert(event("a", { open: false, endTime: 5 }), 1);
    assert.match(s.text(), /status="OPEN"\} 1$/m);
    assert.match(s.text(), /status="CLOSED"\} 1$/m);
  });

  test("when a retained zero expires with no other change, then the series disappears", () => {
    const s = setup(60_000);
    s.store.upsert(event("a", { open: false, endTime: 5 }), 1);
    s.store.evictEndedBefore(10);
    assert.match(s.text(), /status="CLOSED"\} 0$/m);
    s.advance(59_000);
    assert.match(s.text(), /status="CLOSED"\} 0$/m);
    s.advance(2_000);
    assert.doesNotMatch(s.text(), /status="CLOSED"/);
  });

  test("when an event is re-read unchanged, then the store reports no change", () => {
    const s = setup();
    s.store.upsert(event("a"), 1);
    const before = s.store.version;
    s.store.upsert(event("a"), 2);
    assert.equal(s.store.version, before);
  });
});
