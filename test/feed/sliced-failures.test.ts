import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { Fault } from "../../src/simulator/faults.js";
import { value } from "../helpers/exposition.js";
import { HOUR } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { eventSeries, seedSliced, truth } from "../helpers/sliced-fixture.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const E = { environment: "test" };
const SEED = { count: 6000, cluster: 0, pageSize: 150, filter: "literal" as const, slices: 4 };

async function slicedHarness(concurrency = 4, latencyMs = 3): Promise<Harness> {
  return startHarness({
    sim: { seed: 3, feedLatencyMs: latencyMs },
    // About what a sliced read does when slices fail, not whether slices pay off: pinned wide.
    env: { FEED_READ_CONCURRENCY: String(concurrency), FEED_READ_SLICING: "fixed", HTTP_TIMEOUT: "10" },
  });
}

const STORMS: { name: string; fault: Fault; reason: string }[] = [
  { name: "a 5xx storm", fault: { kind: "status", status: 503 }, reason: "server_error" },
  { name: "429 on every request", fault: { kind: "status", status: 429 }, reason: "rate_limited" },
  { name: "connections reset", fault: { kind: "reset" }, reason: "network" },
];

describe("a slice failing in a sliced full read", () => {
  for (const { name, fault, reason } of STORMS) {
    test(`when ${name} hits the slices after the first pages, then the read fails, nothing is removed and the last values stay`, async () => {
      h = await slicedHarness();
      seedSliced(h.sim, h.clock.now(), SEED);
      assert.equal(await h.drain(), true);
      const good = await h.scrape();
      // Gone from the server: a resync that succeeded would remove them.
      const all = [...h.sim.store.all()];
      for (const e of all.filter((_, i) => i % 7 === 0)) h.sim.store.delete(e.eventId);
      h.clock.advance(6 * HOUR);
      h.sim.feedLoad.resetHighWater();
      // The first page and the slices' first pages pass, then every feed request fails.
      h.sim.injectFault({ kind: "delay", ms: 0 }, 6);
      h.sim.injectFault(fault, Number.POSITIVE_INFINITY);
      assert.equal(await h.drain(), false);
      assert.ok(h.sim.feedLoad.highWater > 1, "the failing read was sliced");
      const during = await h.scrape();
      assert.deepEqual(eventSeries(during), eventSeries(good), "the last good values are kept");
      assert.equal(value(during, "dynatrace_events_tracked", E), value(good, "dynatrace_events_tracked", E));
      assert.equal(value(during, "dynatrace_up", E), 0);
      assert.equal(value(during, "dynatrace_drain_errors_total", { ...E, reason }), 1);

      h.sim.faults.clear();
      h.clock.advance(60_000);
      assert.equal(await h.drain(), true, "the next full read succeeds");
      const expected = truth(h.sim, h.clock.now(), "v1");
      assert.equal(value(await h.scrape(), "dynatrace_events_tracked", E), expected.open + expected.closed);
    });
  }

  test("when the tenant answers 429 to a few pages of a sliced read, then the read slows down and still ends exact", async () => {
    h = await slicedHarness();
    seedSliced(h.sim, h.clock.now(), SEED);
    h.sim.injectFault({ kind: "delay", ms: 0 }, 8);
    h.sim.injectFault({ kind: "status", status: 429, headers: { "retry-after": "1" } }, 2);
    assert.equal(await h.drain(), true);
    assert.equal(h.sim.requests.filter((r) => r.status === 429).length, 2);
    const expected = truth(h.sim, h.clock.now(), "v1");
    assert.equal(value(await h.scrape(), "dynatrace_events_tracked", E), expected.open + expected.closed);
  });
});

describe("the in-flight bound of sliced reads", () => {
  for (const bound of [2, 3, 4]) {
    test(`when FEED_READ_CONCURRENCY is ${bound}, then the simulator never sees more than ${bound} feed requests at once, and sees ${bound}`, async () => {
      h = await slicedHarness(bound, 10);
      seedSliced(h.sim, h.clock.now(), SEED);
      assert.equal(await h.drain(), true);
      assert.equal(h.sim.feedLoad.highWater, bound);
    });
  }
});
