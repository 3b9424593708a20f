import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FeedProblem } from "../../src/dynatrace/problems-v2.js";
import { ProblemStore } from "../../src/feed/problems/problem-store.js";

const HOUR = 3_600_000;
const problem = (id: string, severityLevel: string, open = true): FeedProblem => ({
  id,
  severityLevel,
  impactLevel: "SERVICES",
  open,
  startTime: 0,
  endTime: open ? -1 : 1000,
});

function sets(store: ProblemStore): string[] {
  const out: string[] = [];
  store.forEachSet((labels, open, closed, opened) => out.push(`${labels} ${open}/${closed}/${opened}`));
  return out;
}

describe("problem store", () => {
  test("when a label set has had no problems for the retention time, then it is released with its counter", () => {
    const store = new ProblemStore();
    store.upsert({ problem: problem("P1", "ERROR"), extras: [""] }, 1, true, true);
    store.settle(0, -HOUR, HOUR);
    assert.deepEqual(sets(store), ['severity_level="ERROR",impact_level="SERVICES" 1/0/1']);
    // A full read that no longer returns it.
    store.settle(10, -HOUR, HOUR, 2);
    assert.deepEqual(
      sets(store),
      ['severity_level="ERROR",impact_level="SERVICES" 0/0/1'],
      "kept at 0 for a while",
    );
    store.settle(10 + HOUR, 0, HOUR);
    assert.deepEqual(sets(store), []);
  });

  test("when a problem is swept in the drain that interned its set, then the set is still released later", () => {
    const store = new ProblemStore();
    store.upsert({ problem: problem("P1", "ERROR"), extras: [""] }, 1, false, false);
    store.settle(0, -HOUR, HOUR, 2);
    store.settle(1, -HOUR, HOUR);
    assert.equal(sets(store).length, 1);
    store.settle(2 * HOUR, 0, HOUR);
    assert.deepEqual(sets(store), []);
  });

  test("when a problem in two zones is counted, then each zone's set counts it once; closing observes its duration once", () => {
    const store = new ProblemStore();
    const zones = [',management_zone="a"', ',management_zone="b"'];
    store.upsert({ problem: problem("P1", "ERROR"), extras: zones }, 1, true, true);
    store.upsert({ problem: problem("P1", "ERROR", false), extras: zones }, 2, true, true);
    store.upsert({ problem: problem("P1", "ERROR", false), extras: zones }, 3, true, true);
    store.settle(2000, 0, HOUR);
    assert.deepEqual(sets(store), [
      'severity_level="ERROR",impact_level="SERVICES",management_zone="a" 0/1/1',
      'severity_level="ERROR",impact_level="SERVICES",management_zone="b" 0/1/1',
    ]);
    let count = 0;
    store.forEachDuration((_s, d) => (count += d.count));
    assert.equal(count, 1);
  });
});
