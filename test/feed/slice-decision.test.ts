import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { seedSliced, truth } from "../helpers/sliced-fixture.js";

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

/** A v1 tenant of 3,000 events (20 pages) answering each page after `latencyMs`, drained once. */
async function drainOnce(latencyMs: number): Promise<Harness> {
  const h = await startHarness({
    sim: { timeFilter: "overlap", seed: 7, feedLatencyMs: latencyMs },
    env: { DYNATRACE_API_VERSION: "v1", FEED_READ_CONCURRENCY: "8", HTTP_TIMEOUT: "10" },
  });
  harnesses.push(h);
  const now = h.clock.now();
  seedSliced(h.sim, now, { count: 3000, cluster: 0, pageSize: 150, filter: "overlap", slices: 4 });
  assert.equal(await h.drain(), true);
  const expected = truth(h.sim, now, "v1");
  const tracked = value(await h.scrape(), "dynatrace_events_tracked", { environment: "test" });
  assert.equal(tracked, expected.open + expected.closed);
  return h;
}

// The decision weighs the event loop's waiting against its working over the first pages. A page
// costs the loop a few ms (the in-process simulator's work included), several times that on a
// loaded machine; a 400 ms page leaves it waiting far more than half the time however loaded,
// and a page answered at once leaves it almost never waiting, however idle the machine.
describe("how wide a measured full read goes", () => {
  test("when the tenant answers each page after 400 ms, then the read goes wide", async () => {
    const h = await drainOnce(400);
    assert.ok(h.sim.feedLoad.highWater > 1, `in flight at most ${h.sim.feedLoad.highWater}`);
  });

  test("when the tenant answers each page at once, then the read stays one chain", async () => {
    const h = await drainOnce(0);
    assert.equal(h.sim.feedLoad.highWater, 1);
  });
});
