import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { SimulatedDynatrace } from "../../src/simulator/server.js";

describe("simulated Dynatrace v1 feed", () => {
  const now = Date.parse("2026-11-01T12:00:00Z");
  let sim: SimulatedDynatrace;
  before(async () => {
    sim = new SimulatedDynatrace({ clock: () => now, pageSize: 2 });
    await sim.listen();
    sim.addEvent({ eventId: -3132566662524695739n, startTime: now - 1000 });
    sim.addEvent({ eventId: 2n, startTime: now - 2000, endTime: now - 500 });
    sim.addEvent({
      eventId: 3n,
      startTime: now - 3000,
      eventType: "PROCESS_RESTART",
      severityLevel: undefined,
    });
  });
  after(() => sim.close());

  const get = (path: string, token: string | null = sim.token) =>
    request(`${sim.url}${path}`, {
      headers: token === null ? {} : { authorization: `api-token ${token}` },
    });

  test("when no token is sent, then it answers 401 in the error envelope", async () => {
    const res = await get("/api/v1/events", null);
    assert.equal(res.statusCode, 401);
    assert.deepEqual(await res.body.json(), {
      error: { code: 401, message: "Missing authorization parameter.", constraintViolations: null },
    });
  });

  test("when the token is wrong, then it answers 401", async () => {
    const res = await get("/api/v1/events", "nope");
    assert.equal(res.statusCode, 401);
    await res.body.dump();
  });

  test("when paging with cursors, then ids are raw 64-bit numbers and pages end with nextCursor null", async () => {
    const first = await (await get("/api/v1/events")).body.text();
    assert.match(first, /"eventId":-3132566662524695739,/);
    assert.match(first, /"id":"-3132566662524695739_\d+"/);
    assert.match(first, /"endTime":-1/);
    const page1 = JSON.parse(first) as {
      nextCursor: string;
      totalEventCount: number;
      events: unknown[];
    };
    assert.equal(page1.totalEventCount, 3);
    assert.equal(page1.events.length, 2);
    const page2 = (await (await get(`/api/v1/events?cursor=${page1.nextCursor}`)).body.json()) as {
      nextCursor: null;
      events: { eventType: string; severityLevel?: string }[];
    };
    assert.equal(page2.nextCursor, null);
    assert.equal(page2.events[0]?.eventType, "PROCESS_RESTART");
    assert.equal("severityLevel" in (page2.events[0] ?? {}), false);
  });

  test("when a cursor is garbage, then it answers 400", async () => {
    const res = await get("/api/v1/events?cursor=xyz");
    assert.equal(res.statusCode, 400);
    await res.body.dump();
  });

  test("when an unknown environment is addressed in the Managed form, then it answers 404", async () => {
    const res = await get("/e/other/api/v1/events");
    assert.equal(res.statusCode, 404);
    await res.body.dump();
    const ok = await get(`/e/${sim.environmentId}/api/v1/events`);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  });

  test("when the time filter is literal, then an event that only spans the range is not returned; overlap returns it", async () => {
    const range = `from=${now - 1500}&to=${now - 1200}`;
    sim.store.timeFilter = "literal";
    const literal = (await (await get(`/api/v1/events?${range}`)).body.json()) as {
      totalEventCount: number;
    };
    sim.store.timeFilter = "overlap";
    const overlap = (await (await get(`/api/v1/events?${range}`)).body.json()) as {
      totalEventCount: number;
    };
    sim.store.timeFilter = "literal";
    assert.equal(literal.totalEventCount, 0);
    assert.equal(overlap.totalEventCount, 2, "the open event and the one that ended at now-500");
  });
});
