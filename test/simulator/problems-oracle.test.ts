import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SimProblems } from "../../src/simulator/problems.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";
import { client } from "./problems-client.js";

const MIN = 60_000;
const HOUR = 60 * MIN;

describe("simulator oracle: the truth tests compare with", () => {
  const clock = new ManualClock();
  const sim = new SimulatedDynatrace({ clock: clock.now, seed: 11, openProblemsBeforeFrom: "included" });
  const api = client(sim);
  before(async () => {
    await sim.listen();
    sim.generator.history(800, 12 * HOUR, clock.now());
  });
  after(() => sim.close());

  test("when the oracle counts problems in a window, then it equals what the Problems API returns for that window", async () => {
    const listed = await api.allProblems("from=now-6h&pageSize=500");
    const byKey = new Map<string, number>();
    for (const p of listed) {
      const key = `${p.severityLevel}/${p.impactLevel}/${p.status}`;
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
    }
    const truth = sim.oracle.problemCountsInWindow(6 * HOUR);
    assert.deepEqual(new Map([...truth].sort()), new Map([...byKey].sort()));
    assert.ok(truth.size > 5, "several severity/impact/status combinations");
    assert.equal(sim.oracle.openProblems().length, listed.filter((p) => p.status === "OPEN").length);
  });

  test("when counted by zone, then an item in two zones counts in both", () => {
    const byZone = sim.oracle.problemCountsInWindow(6 * HOUR, (p) => p.managementZones.map((z) => z.name));
    const problems = sim.oracle.problemsInWindow(6 * HOUR);
    const twoZones = problems.filter((p) => p.managementZones.length === 2).length;
    const total = [...byZone.values()].reduce((a, b) => a + b, 0);
    const zoned = problems.reduce((n, p) => n + p.managementZones.length, 0);
    assert.ok(twoZones > 0);
    assert.equal(total, zoned);
  });

  test("when the clock jumps past an ingested event's timeout, then the oracle sees its problem closed without any request", async () => {
    const start = clock.now();
    const sent = await api.ingest({
      eventType: "AVAILABILITY_EVENT",
      title: "down",
      entitySelector: 'entityId("HOST-00000000000000E1")',
      timeout: 10,
    });
    const requests = sim.requests.length;
    assert.equal(sim.oracle.problemsOpenedBetween(start - 1, start).length, 1);
    assert.equal(
      sim.oracle.problemOfCorrelationId(sent.correlationId ?? "")?.entity.entityId.id,
      "HOST-00000000000000E1",
    );
    clock.advance(11 * MIN);
    const durations = sim.oracle.closedProblemDurations(start, clock.now());
    const ours = sim.oracle
      .problemsInWindow(HOUR)
      .find((p) => p.entity.entityId.id === "HOST-00000000000000E1");
    assert.equal(ours?.status, "CLOSED");
    assert.equal(ours?.endTime, start + 10 * MIN);
    assert.ok(durations.includes(10 * MIN));
    assert.equal(sim.requests.length, requests, "no HTTP request was needed");
  });

  test("when countsInWindow is asked on the front, then it is the oracle's event count", () => {
    assert.deepEqual(sim.countsInWindow(3 * HOUR), sim.oracle.countsInWindow(3 * HOUR));
    const sum = [...sim.countsInWindow(3 * HOUR).values()].reduce((a, b) => a + b, 0);
    assert.equal(sum, sim.oracle.eventsInWindow(3 * HOUR).length);
  });

  test("when events arrive in pieces and out of order, then the problems equal a derivation from scratch", () => {
    const grouping = (problems: SimProblems) =>
      problems
        .all()
        .map((p) => `${p.status}:${p.startTime}:${p.events.map((e) => e.eventId).join(",")}`)
        .sort();
    sim.problems.all();
    sim.generator.history(300, 12 * HOUR, clock.now());
    sim.problems.all();
    sim.generator.advanceTo(clock.now() + 30 * MIN);
    sim.addEvent({ eventId: 999n, startTime: clock.now() - 11 * HOUR, entityId: "HOST-00000000000000E2" });
    const fresh = new SimProblems(sim.store, sim.eventLife, clock.now);
    assert.deepEqual(grouping(sim.problems), grouping(fresh));
  });
});
