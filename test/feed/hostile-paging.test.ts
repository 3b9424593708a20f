import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { value } from "../helpers/exposition.js";
import { type FakeRig, rssBytes, startFakeRig } from "../helpers/fake-tenant.js";

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const E = { environment: "test" };
const MAX_PAGES = 50;

/** A v1 event of the cursor era (string id), open, of type CPU_SATURATED. */
function v1Event(n: number, start: number) {
  return {
    eventId: n,
    id: `${n}_${start}`,
    startTime: start,
    endTime: -1,
    eventType: "CPU_SATURATED",
    severityLevel: "RESOURCE_CONTENTION",
    impactLevel: "INFRASTRUCTURE",
    eventStatus: "OPEN",
  };
}

function v2Event(n: number, start: number) {
  return { eventId: `${n}_${start}`, startTime: start, eventType: "CPU_SATURATED", status: "OPEN" };
}

async function expectPagingLoop(r: FakeRig, requests: number, fragment: RegExp) {
  assert.equal(await r.app.drainAll(), false);
  assert.equal(r.tenant.requests.length, requests, "requests made before giving up");
  const m = await r.scrape();
  assert.equal(value(m, "dynatrace_drain_errors_total", { ...E, reason: "paging_loop" }), 1);
  assert.equal(value(m, "dynatrace_up", E), 0);
  const status = r.app.statuses()[0];
  assert.equal(status?.lastError?.reason, "paging_loop");
  assert.match(status?.lastError?.message ?? "", fragment);
  return m;
}

describe("paging that never ends", () => {
  test("when v1 hands out fresh cursors forever with no totalEventCount, then the drain stops at FEED_MAX_PAGES, keeps the last values and the next drain works", async () => {
    rig = await startFakeRig({ FEED_MAX_PAGES: String(MAX_PAGES) });
    const now = rig.clock.now();
    let endless = false;
    rig.tenant.handler = (url, n) => {
      const events = [v1Event(n, now - 60_000)];
      const body = endless
        ? { nextCursor: `c${n}-${Math.random()}`, events }
        : { nextCursor: null, totalEventCount: 1, events };
      return { body: JSON.stringify(body) };
    };
    assert.equal(await rig.app.drainAll(), true);
    rig.tenant.requests.length = 0;
    endless = true;
    rig.clock.advance(60_000);
    const m = await expectPagingLoop(rig, MAX_PAGES, /no last page within 50 pages \(FEED_MAX_PAGES\)/);
    // The last good value stays: nothing was swept by the failed read.
    assert.ok(value(m, "dynatrace_events_tracked", E) >= 1);
    assert.ok(process.memoryUsage().rss > 0, "the process is alive");
    endless = false;
    rig.tenant.requests.length = 0;
    rig.clock.advance(60_000);
    assert.equal(await rig.app.drainAll(), true, "the next drain starts afresh");
    assert.equal(rig.tenant.requests.length, 1);
    assert.equal(value(await rig.scrape(), "dynatrace_up", E), 1);
  });

  test("when v1 hands out a fresh megabyte-long cursor on every page, then the drain fails at the first one and memory stays flat", async () => {
    rig = await startFakeRig();
    const now = rig.clock.now();
    const before = rssBytes();
    rig.tenant.handler = (_url, n) => ({
      body: JSON.stringify({
        nextCursor: `c${n}_${"x".repeat(1_000_000)}`,
        events: [v1Event(n, now - 1000)],
      }),
    });
    for (let drain = 0; drain < 20; drain++) {
      assert.equal(await rig.app.drainAll(), false);
      rig.clock.advance(60_000);
    }
    assert.equal(
      rig.tenant.requests.length,
      20,
      "one request per drain: a cursor that long is never sent back",
    );
    const status = rig.app.statuses()[0];
    assert.equal(status?.lastError?.reason, "malformed_response");
    assert.match(status?.lastError?.message ?? "", /nextCursor is 1000\d{3} characters long/);
    assert.ok(rssBytes() - before < 100 * 2 ** 20, `RSS grew ${(rssBytes() - before) / 2 ** 20} MiB`);
  });

  test("when v2 hands out fresh nextPageKeys forever with no totalCount, then the read stops at FEED_MAX_PAGES", async () => {
    rig = await startFakeRig({
      FEED_MAX_PAGES: String(MAX_PAGES),
      DYNATRACE_API_VERSION: "v2",
      PROBLEMS: "off",
    });
    const now = rig.clock.now();
    rig.tenant.handler = (_url, n) => ({
      body: JSON.stringify({ nextPageKey: `k${n}`, events: [v2Event(n, now - 1000)] }),
    });
    await expectPagingLoop(rig, MAX_PAGES, /v2 feed returned no last page within 50 pages/);
    assert.ok(
      rig.tenant.requests.slice(1).every((u) => [...u.searchParams.keys()].join() === "nextPageKey"),
      "continuations send the key alone",
    );
  });

  test("when v1 states a lying totalEventCount of 10^12 and pages forever, then FEED_MAX_PAGES bounds the read and nothing is sized to the lie", async () => {
    rig = await startFakeRig({ FEED_MAX_PAGES: String(MAX_PAGES) });
    const now = rig.clock.now();
    const rssBefore = rssBytes();
    rig.tenant.handler = (_url, n) => ({
      body: JSON.stringify({ nextCursor: `c${n}`, totalEventCount: 1e12, events: [v1Event(n, now - 1000)] }),
    });
    await expectPagingLoop(rig, MAX_PAGES, /FEED_MAX_PAGES/);
    const status = rig.app.statuses()[0];
    // 50 pages of 150 could hold 7,500 events: the reservation was at most that, and the store
    // gave it back once the read ended with 49 events (the page that broke the bound is not
    // applied; 16 shards x 16 places is the floor, and 49 events take a column chunk of 64).
    assert.equal(status?.eventsTracked, MAX_PAGES - 1);
    assert.equal(status?.capacity.indexSlots, 16 * 16);
    assert.equal(status?.capacity.slots, 64);
    assert.ok(rssBytes() - rssBefore < 64 * 1024 * 1024, "RSS grew by less than 64 MB");
  });

  test("when v1 states a lying totalEventCount of 10^12 with the default FEED_MAX_PAGES, then the reservation is capped and released", async () => {
    rig = await startFakeRig();
    const now = rig.clock.now();
    const rssBefore = rssBytes();
    rig.tenant.handler = (_url, n) => ({
      body: JSON.stringify({
        nextCursor: n < 3 ? `c${n}` : null,
        totalEventCount: 1e12,
        events: [v1Event(n, now - 1000)],
      }),
    });
    assert.equal(await rig.app.drainAll(), true);
    const status = rig.app.statuses()[0];
    assert.equal(status?.eventsTracked, 3);
    assert.equal(status?.capacity.indexSlots, 16 * 16, "the reservation for 1.5M was given back");
    assert.ok(rssBytes() - rssBefore < 64 * 1024 * 1024, "RSS grew by less than 64 MB");
  });

  test("when v2 states a lying totalCount of 10^12 and pages forever, then FEED_MAX_PAGES bounds the read", async () => {
    rig = await startFakeRig({ FEED_MAX_PAGES: "20", DYNATRACE_API_VERSION: "v2", PROBLEMS: "off" });
    const now = rig.clock.now();
    rig.tenant.handler = (_url, n) => ({
      body: JSON.stringify({ nextPageKey: `k${n}`, totalCount: 1e12, events: [v2Event(n, now - 1000)] }),
    });
    await expectPagingLoop(rig, 20, /no last page within 20 pages/);
  });

  test("when totalEventCount is small and cursors keep coming, then the count bounds the read below FEED_MAX_PAGES", async () => {
    rig = await startFakeRig({ FEED_MAX_PAGES: String(MAX_PAGES) });
    const now = rig.clock.now();
    rig.tenant.handler = (_url, n) => ({
      body: JSON.stringify({ nextCursor: `c${n}`, totalEventCount: 300, events: [v1Event(n, now - 1000)] }),
    });
    // 300 events need 4 pages at 75 fresh events a page, plus 2 of slack.
    await expectPagingLoop(rig, 6, /more pages than its totalEventCount \(300\) allows \(6\)/);
  });
});

describe("legacy paging that does not move back", () => {
  function legacyPage(next: [number, string] | null, events: object[]) {
    return JSON.stringify({
      nextEventStartTms: next?.[0] ?? null,
      nextEventId: next === null ? null : Number(next[1]),
      from: 0,
      to: 0,
      events,
    });
  }

  test("when legacy pages alternate between two continuations, then the drain fails as paging_loop at the turn", async () => {
    rig = await startFakeRig({ FEED_MAX_PAGES: String(MAX_PAGES) });
    const now = rig.clock.now();
    const ev = (n: number) => ({ eventId: n, startTime: now - n * 1000, endTime: -1, eventType: "X" });
    // `to=now` -> continue at now-10s; `to=now-10s` -> continue at now-5s (forward): A, B, A, B...
    rig.tenant.handler = (url) =>
      url.searchParams.get("to") === String(now)
        ? { body: legacyPage([now - 10_000, "7"], [ev(1), ev(2)]) }
        : { body: legacyPage([now - 5000, "8"], [ev(3), ev(4)]) };
    await expectPagingLoop(rig, 2, /does not move back in time/);
  });

  test("when a legacy continuation repeats the current `to`, then the drain fails after one page", async () => {
    rig = await startFakeRig({ FEED_MAX_PAGES: String(MAX_PAGES) });
    const now = rig.clock.now();
    let n = 0;
    rig.tenant.handler = () => {
      n++;
      return { body: legacyPage([now, String(n)], [{ eventId: n, startTime: now, eventType: "X" }]) };
    };
    await expectPagingLoop(rig, 1, /does not move back in time/);
  });

  test("when legacy continuations move back by one millisecond forever, then FEED_MAX_PAGES bounds the read", async () => {
    rig = await startFakeRig({ FEED_MAX_PAGES: String(MAX_PAGES) });
    const now = rig.clock.now();
    rig.tenant.handler = (url) => {
      const to = Number(url.searchParams.get("to"));
      return { body: legacyPage([to - 1, String(to)], [{ eventId: to, startTime: to, eventType: "X" }]) };
    };
    await expectPagingLoop(rig, MAX_PAGES, /FEED_MAX_PAGES/);
    assert.equal(rig.tenant.requests[0]?.searchParams.get("to"), String(now));
  });
});
