import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { value } from "../helpers/exposition.js";
import { type FakeRig, startFakeRig } from "../helpers/fake-tenant.js";
import { addBatch, MIN } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
let rig: FakeRig | undefined;
afterEach(async () => {
  await h?.close();
  await rig?.close();
  h = undefined;
  rig = undefined;
});

const E = { environment: "test" };

describe("a drain that is overdue", () => {
  test("when a drain hangs on a server that never answers, then dynatrace_up is 0 once DRAIN_INTERVAL + HTTP_TIMEOUT pass without progress", async () => {
    // HTTP_TIMEOUT 60 s of real time: the request stays held for the whole test.
    h = await startHarness({ env: { HTTP_TIMEOUT: "60", DRAIN_INTERVAL: "30s" } });
    addBatch(h.sim, { count: 3, eventType: "CPU_SATURATED", newestStart: h.clock.now() - MIN, open: true });
    assert.equal(await h.drain(), true);
    const succeededAt = h.clock.now();
    assert.equal(value(await h.scrape(), "dynatrace_up", E), 1);

    h.sim.injectFault({ kind: "hang" }, Number.POSITIVE_INFINITY);
    h.clock.advance(30_000);
    const hung = h.drain();
    await until(() => h?.sim.requests.some((r) => r.status === "hang") ?? false, 5000, "held request");
    h.clock.advance(60_000);
    // 90 s since the success: within 30 s + 60 s, not overdue yet.
    assert.equal(value(await h.scrape(), "dynatrace_up", E), 1);
    assert.equal(h.app.statuses()[0]?.overdue, false);

    h.clock.advance(1);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_up", E), 0, "overdue: up reads 0 while the drain still hangs");
    const status = h.app.statuses()[0];
    assert.equal(status?.overdue, true);
    assert.equal(status?.lastSuccessAt, succeededAt);
    assert.equal(status?.lastProgressAt, succeededAt);
    assert.equal(value(m, "dynatrace_events_tracked", E), 3, "the last values stay");

    // Closing aborts the held request: the drain ends, the process lives on.
    await h.close();
    h = undefined;
    assert.equal(await hung, false);
  });

  test("when the server trickles its answer a byte at a time, then dynatrace_up is 0 once overdue, before the request ends", async () => {
    rig = await startFakeRig({ DRAIN_INTERVAL: "10s", HTTP_TIMEOUT: "60" });
    const page = JSON.stringify({ nextCursor: null, events: [] });
    rig.tenant.handler = () => ({ body: page });
    assert.equal(await rig.app.drainAll(), true);
    rig.tenant.handler = () => ({ trickle: page, everyMs: 20 });
    rig.clock.advance(10_000);
    const trickled = rig.app.drainAll();
    await until(() => rig?.tenant.requests.length === 2, 5000, "trickled request");
    rig.clock.advance(60_001);
    assert.equal(value(await rig.scrape(), "dynatrace_up", E), 0, "overdue while bytes still trickle in");
    assert.equal(rig.app.statuses()[0]?.overdue, true);
    // The answer completes (a page arrives): the drain succeeds and the state ends.
    assert.equal(await trickled, true);
    assert.equal(value(await rig.scrape(), "dynatrace_up", E), 1);
    assert.equal(rig.app.statuses()[0]?.overdue, false);
  });

  test("when a long read's pages keep arriving, then it is not overdue however long it takes; when a gap exceeds the budget, it is", async () => {
    rig = await startFakeRig({ DRAIN_INTERVAL: "60s", HTTP_TIMEOUT: "5" });
    const start = rig.clock.now();
    const seen: boolean[] = [];
    let gapMs = 30_000;
    rig.tenant.handler = (_url, n) => {
      if (n > 1) {
        // Each page takes `gapMs` of the manual clock to arrive.
        rig?.clock.advance(gapMs);
        seen.push(rig?.app.statuses()[0]?.overdue ?? true);
      }
      const page = n % 10 === 0 ? null : `c${n}`;
      const ev = { id: `${n}_${start}`, eventId: n, startTime: start - 1000, eventType: "X" };
      return { body: JSON.stringify({ nextCursor: page, events: [ev] }) };
    };
    assert.equal(await rig.app.drainAll(), true);
    assert.deepEqual(seen, Array(9).fill(false), "pages 30 s apart: never overdue (budget 65 s)");
    seen.length = 0;
    gapMs = 66_000;
    assert.equal(await rig.app.drainAll(), true);
    assert.deepEqual(seen, Array(10).fill(true), "pages 66 s apart: overdue before each arrives");
    assert.equal(value(await rig.scrape(), "dynatrace_up", E), 1, "a success ends the overdue state");
  });
});
