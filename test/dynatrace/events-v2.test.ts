import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseV2Page } from "../../src/dynatrace/events-v2.js";

function one(event: Record<string, unknown>) {
  const page = parseV2Page({ totalCount: 1, pageSize: 1000, nextPageKey: null, events: [event] });
  assert.equal(page.events.length, 1);
  return page.events[0];
}

const base = { eventId: "-42_1700000000000", startTime: 1_700_000_000_000 };

describe("parseV2Page", () => {
  test("when endTime is null or -1, then the event is open; a status decides over endTime", () => {
    assert.equal(one({ ...base, endTime: null })?.open, true);
    assert.equal(one({ ...base, endTime: -1 })?.open, true);
    assert.equal(one({ ...base, endTime: null, status: "CLOSED" })?.open, false);
    const closed = one({ ...base, endTime: 1_700_000_060_000, status: "CLOSED" });
    assert.deepEqual([closed?.open, closed?.endTime], [false, 1_700_000_060_000]);
  });

  test("when the impact property is set, then it is spelled as v1 spells it", () => {
    const impact = (value: string) =>
      one({ ...base, properties: [{ key: "dt.event.impact_level", value }] })?.impactLevel;
    assert.equal(impact("Infrastructure"), "INFRASTRUCTURE");
    assert.equal(impact("Services"), "SERVICE");
    assert.equal(impact("Application"), "APPLICATION");
    assert.equal(impact("Environment"), "ENVIRONMENT");
    assert.equal(one(base)?.impactLevel, "unknown");
  });

  test("when the type's category is known, then it gives the severity; otherwise unknown", () => {
    const e = one({ ...base, eventType: "RESOURCE_CONTENTION_EVENT" });
    assert.deepEqual([e?.eventType, e?.severityLevel], ["RESOURCE_CONTENTION_EVENT", "RESOURCE_CONTENTION"]);
    assert.equal(one({ ...base, eventType: "PROCESS_CRASHED" })?.severityLevel, "AVAILABILITY");
    assert.equal(one({ ...base, eventType: "CUSTOM_INFO" })?.severityLevel, "INFO");
    assert.equal(one({ ...base, eventType: "NEVER_SEEN_BEFORE" })?.severityLevel, "unknown");
  });

  test("when the key is the string eventId, then it is kept exactly", () => {
    assert.equal(
      one({ ...base, eventId: "5000000000000000001_1700000000000" })?.key,
      "5000000000000000001_1700000000000",
    );
  });

  test("when an event has no id or the body no events array, then it is skipped or refused", () => {
    const page = parseV2Page({ events: [{ startTime: 1 }, base], nextPageKey: "k" });
    assert.deepEqual([page.events.length, page.skipped, page.nextPageKey], [1, { missing_id: 1 }, "k"]);
    assert.throws(() => parseV2Page({ totalCount: 0 }), /no events array/);
  });
});
