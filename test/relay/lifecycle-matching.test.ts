import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { EventEvidence, ProblemSummary } from "../../src/dynatrace/problems.js";
import { closedSince, heldByOthers, isAlertEvent } from "../../src/relay/lifecycle/matching.js";

const ev = (over: Partial<EventEvidence>): EventEvidence => ({
  correlationId: undefined,
  title: undefined,
  eventType: "CUSTOM_ALERT",
  properties: {},
  open: true,
  ...over,
});
const problem = (evidence: EventEvidence[], endTime?: number): ProblemSummary => ({
  problemId: "p",
  displayId: "P-1",
  status: endTime === undefined ? "OPEN" : "CLOSED",
  startTime: 1,
  endTime,
  evidence,
});
const alert = { key: "am:1", title: "DiskFull on web01", correlationIds: ["c1"] };

describe("matching problems to alerts", () => {
  test("when evidence carries the alert's correlation id, key or (without properties) title, then it is the alert's event", () => {
    assert.ok(isAlertEvent(ev({ correlationId: "c1", properties: { "alert.key": "am:other" } }), alert));
    assert.ok(isAlertEvent(ev({ properties: { "alert.key": "am:1" } }), alert));
    assert.ok(isAlertEvent(ev({ title: "DiskFull on web01" }), alert));
    assert.ok(!isAlertEvent(ev({ title: "DiskFull on web01", properties: { "alert.key": "am:2" } }), alert));
    assert.ok(!isAlertEvent(ev({ correlationId: "c9" }), alert));
  });

  test("when another open event is evidence of the problem, then it is held by others", () => {
    const mine = ev({ properties: { "alert.key": "am:1" } });
    assert.ok(!heldByOthers(problem([mine, ev({ title: "other", open: false })]), alert));
    assert.ok(heldByOthers(problem([mine, ev({ title: "other" })]), alert));
  });

  test("when the problem closed after the last send but before the timeout, then it was closed by someone; at the timeout it timed out", () => {
    const mine = [ev({ properties: { "alert.key": "am:1" } })];
    assert.ok(closedSince([problem(mine, 1500)], alert, 1000, 1000));
    assert.ok(!closedSince([problem(mine, 2000)], alert, 1000, 1000), "timed out");
    // Dynatrace's clock a little behind the replica's: a timeout that ends just before the
    // replica's own reckoning of it is still a timeout.
    assert.ok(!closedSince([problem(mine, 1800)], alert, 1000, 1000), "timed out, clocks apart");
    // Within the margin before the last delivery: Dynatrace's clock behind the replica's.
    assert.ok(closedSince([problem(mine, 800)], alert, 1000, 1000), "closed just after, clocks apart");
    assert.ok(!closedSince([problem(mine, 700)], alert, 1000, 1000), "closed before the last send");
  });
});
