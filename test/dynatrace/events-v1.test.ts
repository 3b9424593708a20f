import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseV1Json, parseV1Page } from "../../src/dynatrace/events-v1.js";

// Two ids that JSON.parse maps to the same double (spacing is 1024 near 5e18).
const A = "5000000000000000001";
const B = "5000000000000000002";

function page(events: string[], tail = '"nextCursor":null'): string {
  return `{${tail},"totalEventCount":${events.length},"events":[${events.join(",")}]}`;
}

describe("parseV1Json", () => {
  test("when every event has its string id, then keys come from the ids", () => {
    const text = page([
      `{"eventId":${A},"id":"${A}_1","startTime":1,"endTime":-1,"eventType":"X"}`,
      `{"eventId":${B},"id":"${B}_1","startTime":1,"endTime":-1,"eventType":"X"}`,
    ]);
    assert.deepEqual(
      parseV1Page(parseV1Json(text)).events.map((e) => e.key),
      [`${A}_1`, `${B}_1`],
    );
  });

  test("when one event lacks an id, then keys built from eventId stay exact", () => {
    const text = page([
      `{"eventId":${A},"id":"${A}_1","startTime":1,"endTime":-1,"eventType":"X"}`,
      `{"eventId":${B},"startTime":1,"endTime":-1,"eventType":"X"}`,
      `{"eventId":5000000000000000003,"id":"","startTime":1,"endTime":-1,"eventType":"X"}`,
    ]);
    assert.deepEqual(
      parseV1Page(parseV1Json(text)).events.map((e) => e.key),
      [`${A}_1`, `${B}_1`, "5000000000000000003_1"],
    );
  });

  test("when a legacy page continues at a 64-bit id, then nextEventId stays exact", () => {
    const text = page(
      [`{"id":"x_1","startTime":1,"endTime":-1}`],
      `"nextEventStartTms":1,"nextEventId":${B}`,
    );
    const next = parseV1Page(parseV1Json(text)).next;
    assert.deepEqual(next, { kind: "legacy", nextEventStartTms: 1, nextEventId: B });
  });
});
