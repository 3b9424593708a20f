import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { TimeFilter } from "../../src/simulator/sim-store.js";
import { value } from "../helpers/exposition.js";
import { HOUR } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { eventSeries, feedGets, seedSliced, truth } from "../helpers/sliced-fixture.js";

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

const E = { environment: "test" };

type Api = "v1" | "v2";

async function harness(api: Api, timeFilter: TimeFilter, concurrency: number): Promise<Harness> {
  const h = await startHarness({
    // These tests are about what slices read, not how many pay off (test/feed/slice-decision):
    // the width is pinned, so a loaded machine cannot turn the read to one chain.
    sim: { timeFilter, seed: 7, feedLatencyMs: 5 },
    env: {
      DYNATRACE_API_VERSION: api,
      FEED_READ_CONCURRENCY: String(concurrency),
      FEED_READ_SLICING: "fixed",
      HTTP_TIMEOUT: "10",
    },
  });
  harnesses.push(h);
  return h;
}

/** The same seeded tenant read sliced (4 at once) and unsliced (1), both drained once. */
async function readBoth(api: Api, filter: TimeFilter, seed: Parameters<typeof seedSliced>[2]) {
  const sliced = await harness(api, filter, 4);
  const plain = await harness(api, filter, 1);
  const now = sliced.clock.now();
  seedSliced(sliced.sim, now, seed);
  seedSliced(plain.sim, now, seed);
  assert.equal(await sliced.drain(), true);
  assert.equal(await plain.drain(), true);
  return { sliced, plain, now };
}

async function assertExact(sliced: Harness, plain: Harness, now: number, api: Api) {
  const m = await sliced.scrape();
  const expected = truth(sliced.sim, now, api);
  assert.equal(value(m, "dynatrace_events_tracked", E), expected.open + expected.closed);
  assert.deepEqual(eventSeries(m), eventSeries(await plain.scrape()));
  assert.ok(sliced.sim.feedLoad.highWater > 1, "the read went wide");
  assert.equal(plain.sim.feedLoad.highWater, 1, "the unsliced read did not");
}

const MODES: { api: Api; filter: TimeFilter; count: number; pageSize: number }[] = [
  { api: "v1", filter: "literal", count: 6000, pageSize: 150 },
  { api: "v1", filter: "overlap", count: 6000, pageSize: 150 },
  // The simulated v2 feed always matches by overlap (its time filter applies to v1 only).
  { api: "v2", filter: "overlap", count: 42_000, pageSize: 1000 },
];

for (const { api, filter, count, pageSize } of MODES) {
  describe(`sliced full reads of the ${api} feed, time filter ${filter}`, () => {
    test("when events span slice boundaries and 200 share the start time of each cut, then the gauges are exact, as unsliced, within a few requests", async () => {
      const seed = { count, cluster: 200, pageSize, filter, slices: 4 };
      const { sliced, plain, now } = await readBoth(api, filter, seed);
      await assertExact(sliced, plain, now, api);
      const extra = feedGets(sliced) - feedGets(plain);
      // Each slice may end in a partial page; each cut's 200 events are returned to both sides.
      assert.ok(extra <= 10, `sliced read made ${extra} requests more than the unsliced one`);
    });

    test("when events that started hours before the window ended late in it or are still open, then the sliced read counts them as the unsliced one does", async () => {
      const seed = { count, cluster: 0, pageSize, filter, slices: 4, lateEnds: true };
      const { sliced, plain, now } = await readBoth(api, filter, seed);
      await assertExact(sliced, plain, now, api);
    });
  });
}

describe("resync under slicing", () => {
  test("when events are deleted from the server, then the next sliced resync removes them and keeps the rest", async () => {
    const h = await harness("v1", "literal", 4);
    const now = h.clock.now();
    seedSliced(h.sim, now, { count: 6000, cluster: 0, pageSize: 150, filter: "literal", slices: 4 });
    assert.equal(await h.drain(), true);
    const gone = [...h.sim.store.all()].filter((_, i) => i % 10 === 0).map((e) => e.eventId);
    for (const id of gone) h.sim.store.delete(id);
    h.clock.advance(6 * HOUR);
    const before = h.sim.requests.length;
    h.sim.feedLoad.resetHighWater();
    assert.equal(await h.drain(), true);
    assert.equal(h.sim.requests[before]?.query.get("from"), String(h.clock.now() - 24 * HOUR), "a full read");
    assert.ok(h.sim.feedLoad.highWater > 1, "the resync was sliced");
    const expected = truth(h.sim, h.clock.now(), "v1");
    assert.equal(value(await h.scrape(), "dynatrace_events_tracked", E), expected.open + expected.closed);
  });
});
