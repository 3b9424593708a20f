import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { SimulatedDynatrace } from "../../src/simulator/server.js";

interface V2Event {
  eventId: string;
  startTime: number;
  endTime: number | null;
  eventType: string;
  status: string;
  properties: { key: string; value: string }[];
}
interface V2Page {
  totalCount: number;
  pageSize: number;
  nextPageKey: string | null;
  events: V2Event[];
}

describe("simulated Dynatrace v2 feed", () => {
  const now = Date.parse("2026-11-01T12:00:00Z");
  const hour = 3_600_000;
  let sim: SimulatedDynatrace;
  before(async () => {
    sim = new SimulatedDynatrace({ clock: () => now, seed: 9, timeFilter: "overlap" });
    await sim.listen();
    sim.generator.history(2500, 24 * hour, now);
    // Open since long before any window below: v2 must still return it.
    sim.addEvent({ eventId: 77n, startTime: now - 40 * hour });
    sim.addEvent({
      eventId: 78n,
      startTime: now - hour,
      endTime: now - 1000,
      eventType: "RESOURCE_CONTENTION",
      impactLevel: "SERVICE",
    });
  });
  after(() => sim.close());

  async function get(query: string, token: string | null = sim.token) {
    const res = await request(`${sim.url}/api/v2/events?${query}`, {
      headers: token === null ? {} : { authorization: `Api-Token ${token}` },
    });
    return {
      status: res.statusCode,
      body: (await res.body.json()) as V2Page & { error?: { message: string } },
    };
  }

  async function readAll(query: string): Promise<V2Event[]> {
    const out: V2Event[] = [];
    let page = await get(query);
    for (;;) {
      assert.equal(page.status, 200);
      out.push(...page.body.events);
      if (!page.body.nextPageKey) return out;
      page = await get(`nextPageKey=${encodeURIComponent(page.body.nextPageKey)}`);
    }
  }

  test("when paged with pageSize 1000, then every overlapping event comes once, newest first", async () => {
    const from = now - 24 * hour;
    const events = await readAll(`from=${from}&to=${now}&pageSize=1000`);
    const expected = [...sim.store.all()].filter((e) => e.endTime === -1 || e.endTime >= from).length;
    assert.equal(events.length, expected);
    assert.equal(new Set(events.map((e) => e.eventId)).size, events.length);
    for (let i = 1; i < events.length; i++) {
      assert.ok((events[i - 1] as V2Event).startTime >= (events[i] as V2Event).startTime);
    }
  });

  test('when asked for status("OPEN"), then exactly the open events come, old ones included', async () => {
    const events = await readAll(
      `from=${now - 2 * hour}&to=${now}&eventSelector=${encodeURIComponent('status("OPEN")')}`,
    );
    const open = [...sim.store.all()].filter((e) => e.endTime === -1);
    assert.equal(events.length, open.length);
    assert.ok(events.some((e) => e.eventId === `77_${now - 40 * hour}`));
    assert.ok(events.every((e) => e.status === "OPEN" && e.endTime === null));
  });

  test("when nextPageKey is sent with another parameter, then it answers 400", async () => {
    const first = await get(`from=${now - hour}&pageSize=1`);
    const key = first.body.nextPageKey as string;
    const res = await get(`nextPageKey=${encodeURIComponent(key)}&pageSize=1`);
    assert.equal(res.status, 400);
    assert.match(res.body.error?.message ?? "", /nextPageKey/);
  });

  test("when pageSize is over 1000 or no token is sent, then it refuses", async () => {
    assert.equal((await get("pageSize=1001")).status, 400);
    assert.equal((await get("pageSize=10", null)).status, 401);
  });

  test("when an event is served, then it has v2 names: string id, impact property, v2 type", async () => {
    const events = await readAll(`from=${now - 2 * hour}&to=${now}`);
    const e = events.find((x) => x.eventId === `78_${now - hour}`);
    assert.equal(e?.eventType, "RESOURCE_CONTENTION_EVENT");
    assert.deepEqual(e?.properties, [{ key: "dt.event.impact_level", value: "Services" }]);
    assert.equal(e?.status, "CLOSED");
    assert.equal(e?.endTime, now - 1000);
  });

  test("when v1 and v2 are read over the same window, then they hold the same events", async () => {
    const from = now - 6 * hour;
    const v2 = new Set((await readAll(`from=${from}&to=${now}&pageSize=1000`)).map((e) => e.eventId));
    const v1 = new Set<string>();
    let path = `/api/v1/events?from=${from}&to=${now}`;
    for (;;) {
      const res = await request(`${sim.url}${path}`, {
        headers: { authorization: `Api-Token ${sim.token}` },
      });
      const page = (await res.body.json()) as { nextCursor: string | null; events: { id: string }[] };
      for (const e of page.events) v1.add(e.id);
      if (!page.nextCursor) break;
      path = `/api/v1/events?cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    assert.deepEqual([...v2].sort(), [...v1].sort());
  });
});
