import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { entityTagsOf, managementZonesOf } from "../../src/simulator/entity-meta.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";
import { client } from "./problems-client.js";

const HOUR = 3_600_000;

interface V2Event {
  entityId: { entityId: { id: string } };
  managementZones: { id: string; name: string }[];
  entityTags: { context: string; key: string; value?: string; stringRepresentation: string }[];
}

describe("simulated management zones and tags", () => {
  const clock = new ManualClock();
  const sim = new SimulatedDynatrace({ clock: clock.now, seed: 5 });
  before(async () => {
    await sim.listen();
    sim.generator.history(600, 6 * HOUR, clock.now());
  });
  after(() => sim.close());

  async function v2Events(): Promise<V2Event[]> {
    const res = await request(`${sim.url}/api/v2/events?from=now-6h&pageSize=1000`, {
      headers: { authorization: `Api-Token ${sim.token}` },
    });
    return ((await res.body.json()) as { events: V2Event[] }).events;
  }

  test("when v2 events are read, then each carries its entity's zones and tags; some entities are in none, some in two", async () => {
    const events = await v2Events();
    assert.ok(events.length > 300);
    for (const e of events) {
      assert.deepEqual(e.managementZones, managementZonesOf(e.entityId.entityId.id));
      assert.deepEqual(e.entityTags, entityTagsOf(e.entityId.entityId.id));
      assert.ok(e.entityTags.every((t) => typeof t.stringRepresentation === "string"));
    }
    const entities = new Map(events.map((e) => [e.entityId.entityId.id, e.managementZones.length]));
    const sizes = [...entities.values()];
    assert.ok(sizes.includes(0), "some entity in no zone");
    assert.ok(sizes.includes(1), "some entity in one zone");
    assert.ok(sizes.includes(2), "some entity in two zones");
  });

  test("when problems are read, then they carry the union of their events' zones and tags", async () => {
    const problems = await client(sim).allProblems("from=now-6h&pageSize=500", "evidenceDetails");
    assert.ok(problems.length > 50);
    for (const p of problems) {
      const ids = new Set(p.affectedEntities.map((a) => a.entityId.id));
      const zones = [...ids].flatMap(managementZonesOf);
      assert.deepEqual(
        p.managementZones.map((z) => z.id).sort(),
        [...new Set(zones.map((z) => z.id))].sort(),
      );
      assert.deepEqual(p.entityTags, [...ids].flatMap(entityTagsOf));
    }
  });

  test("when an id is hashed twice, then zones and tags are the same: a pure function of the entity id", () => {
    assert.deepEqual(managementZonesOf("HOST-ABC"), managementZonesOf("HOST-ABC"));
    assert.deepEqual(entityTagsOf("HOST-ABC"), entityTagsOf("HOST-ABC"));
  });

  test("when the v1 feed is read, then its events' tags stay empty (v1 output unchanged)", async () => {
    const res = await request(`${sim.url}/api/v1/events?from=${clock.now() - HOUR}`, {
      headers: { authorization: `Api-Token ${sim.token}` },
    });
    const page = (await res.body.json()) as { events: { tags: unknown[]; managementZones?: unknown }[] };
    assert.ok(page.events.length > 0);
    assert.ok(page.events.every((e) => e.tags.length === 0 && e.managementZones === undefined));
  });
});
