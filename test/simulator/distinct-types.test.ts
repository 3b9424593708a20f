import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";

const COUNT = 10_000;

describe("simulator mode with many distinct event types", () => {
  const clock = new ManualClock();
  const sim = new SimulatedDynatrace({ clock: clock.now, seed: 8 });
  const get = async (path: string) =>
    (await (
      await request(`${sim.url}${path}`, { headers: { authorization: `Api-Token ${sim.token}` } })
    ).body.json()) as Record<string, unknown>;
  before(async () => {
    await sim.listen();
    sim.addDistinctTypeEvents(COUNT, { startTime: clock.now() - 60_000 });
  });
  after(() => sim.close());

  test("when read through the v2 feed, then every generated type comes once", async () => {
    const types = new Set<string>();
    let page = await get("/api/v2/events?from=now-1h&pageSize=1000");
    for (;;) {
      for (const e of page.events as { eventType: string }[]) types.add(e.eventType);
      if (!page.nextPageKey) break;
      page = await get(`/api/v2/events?nextPageKey=${encodeURIComponent(page.nextPageKey as string)}`);
    }
    assert.equal(types.size, COUNT);
    assert.ok(types.has("CUSTOM_GEN_00001") && types.has(`CUSTOM_GEN_${String(COUNT).padStart(5, "0")}`));
  });

  test("when read through the v1 feed, then every generated type comes once, and none opened a problem", async () => {
    const types = new Set<string>();
    let page = await get(`/api/v1/events?from=${clock.now() - 3_600_000}`);
    for (;;) {
      for (const e of page.events as { eventType: string }[]) types.add(e.eventType);
      if (!page.nextCursor) break;
      page = await get(`/api/v1/events?cursor=${encodeURIComponent(page.nextCursor as string)}`);
    }
    assert.equal(types.size, COUNT);
    assert.equal(sim.problems.all().length, 0);
  });

  test("when distinct types are added, then the seeded stream is the same as without them", () => {
    const a = new SimulatedDynatrace({ clock: clock.now, seed: 8 });
    const b = new SimulatedDynatrace({ clock: clock.now, seed: 8 });
    b.addDistinctTypeEvents(100);
    a.generator.history(50, 3_600_000, clock.now());
    b.generator.history(50, 3_600_000, clock.now());
    const ids = (s: SimulatedDynatrace) =>
      [...s.store.all()].filter((e) => !e.eventType.startsWith("CUSTOM_GEN_")).map((e) => e.eventId);
    assert.deepEqual(ids(b), ids(a));
    assert.equal(b.store.size, 150);
  });
});
