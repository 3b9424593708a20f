import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";
import { type ApiProblem, client, selector } from "./problems-client.js";

const MIN = 60_000;
const HOUR = 60 * MIN;

describe("simulated Problems API: which events open problems, joining, severity", () => {
  const clock = new ManualClock();
  const sim = new SimulatedDynatrace({ clock: clock.now });
  const api = client(sim);
  before(() => sim.listen());
  after(() => sim.close());

  const onEntity = (id: string) => (p: ApiProblem) => p.affectedEntities[0]?.entityId.id === id;

  test("when problem-opening events are ingested, then each opens a problem; info and WARNING events open none", async () => {
    for (const eventType of [
      "AVAILABILITY_EVENT",
      "ERROR_EVENT",
      "PERFORMANCE_EVENT",
      "RESOURCE_CONTENTION_EVENT",
      "CUSTOM_ALERT",
    ]) {
      const r = await api.ingest({
        eventType,
        title: `t ${eventType}`,
        entitySelector: `type(HOST),tag("${eventType}")`,
      });
      assert.equal(r.status, 201);
    }
    for (const eventType of ["WARNING", "CUSTOM_INFO", "CUSTOM_DEPLOYMENT"]) {
      const r = await api.ingest({
        eventType,
        title: `i ${eventType}`,
        entitySelector: 'type(HOST),tag("info")',
      });
      assert.equal(r.status, 201);
    }
    sim.addEvent({
      eventId: 5n,
      startTime: clock.now(),
      eventType: "PROCESS_RESTART",
      severityLevel: undefined,
    });
    const problems = await api.allProblems("", "evidenceDetails");
    assert.equal(problems.length, 5);
    assert.deepEqual(problems.map((p) => p.severityLevel).sort(), [
      "AVAILABILITY",
      "CUSTOM_ALERT",
      "ERROR",
      "PERFORMANCE",
      "RESOURCE_CONTENTION",
    ]);
    assert.ok(problems.every((p) => p.status === "OPEN" && p.endTime === -1));
    assert.ok(problems.every((p) => p.evidenceDetails?.details[0]?.data.correlationId.length === 16));
    assert.ok(problems.every((p) => /^P-\d+$/.test(p.displayId)));
  });

  test("when a second event hits the same entity while its problem is open, then it joins and the severity is the worst", async () => {
    clock.advance(MIN);
    const entity = 'entityId("HOST-00000000000000AA")';
    await api.ingest({ eventType: "CUSTOM_ALERT", title: "first", entitySelector: entity });
    clock.advance(MIN);
    await api.ingest({ eventType: "AVAILABILITY_EVENT", title: "second", entitySelector: entity });
    await api.ingest({ eventType: "PERFORMANCE_EVENT", title: "third", entitySelector: entity });
    const mine = (await api.allProblems("", "evidenceDetails")).filter(onEntity("HOST-00000000000000AA"));
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.title, "first");
    assert.equal(mine[0]?.severityLevel, "AVAILABILITY");
    assert.equal(mine[0]?.evidenceDetails?.totalCount, 3);
    const single = await api.call("GET", `/api/v2/problems/${encodeURIComponent(mine[0]?.problemId ?? "")}`);
    assert.equal(single.status, 200);
    assert.equal((single.json as ApiProblem).evidenceDetails?.totalCount, 3);
  });

  test("when allow_davis_merge is false, then the event opens its own problem; suppress_problem opens none", async () => {
    const entity = 'entityId("HOST-00000000000000BB")';
    await api.ingest({ eventType: "ERROR_EVENT", title: "a", entitySelector: entity });
    await api.ingest({
      eventType: "ERROR_EVENT",
      title: "b",
      entitySelector: entity,
      properties: { "dt.event.allow_davis_merge": "false" },
    });
    await api.ingest({
      eventType: "ERROR_EVENT",
      title: "c",
      entitySelector: 'entityId("HOST-00000000000000CC")',
      properties: { "dt.event.suppress_problem": "true" },
    });
    const all = await api.allProblems("");
    assert.equal(all.filter(onEntity("HOST-00000000000000BB")).length, 2);
    assert.equal(all.filter(onEntity("HOST-00000000000000CC")).length, 0);
  });

  test("when a back-dated event joins a problem, then the problem keeps its id and title but starts earlier", async () => {
    const entity = 'entityId("HOST-00000000000000DD")';
    await api.ingest({ eventType: "ERROR_EVENT", title: "seen first", entitySelector: entity });
    const before = (await api.allProblems("")).filter(onEntity("HOST-00000000000000DD"));
    const earlier = clock.now() - 10 * MIN;
    await api.ingest({
      eventType: "ERROR_EVENT",
      title: "back-dated",
      entitySelector: entity,
      startTime: earlier,
      timeout: 60,
    });
    const after = (await api.allProblems("", "evidenceDetails")).filter(onEntity("HOST-00000000000000DD"));
    assert.equal(after.length, 1);
    assert.equal(after[0]?.problemId, before[0]?.problemId);
    assert.equal(after[0]?.displayId, before[0]?.displayId);
    assert.equal(after[0]?.title, "seen first");
    assert.equal(after[0]?.startTime, earlier);
    assert.equal(after[0]?.evidenceDetails?.totalCount, 2);
  });

  test("when selectors name the same entity with different quoting, then events land on one entity named by entityName", async () => {
    await api.ingest({
      eventType: "PERFORMANCE_EVENT",
      title: "slow 1",
      entitySelector: 'type("HOST"),entityName.equals("db-7")',
    });
    await api.ingest({
      eventType: "PERFORMANCE_EVENT",
      title: "slow 2",
      entitySelector: 'type(HOST),entityName.equals("db-7")',
    });
    const mine = (await api.allProblems("")).filter((p) => p.affectedEntities[0]?.name === "db-7");
    assert.equal(mine.length, 1);
    assert.match(mine[0]?.affectedEntities[0]?.entityId.id ?? "", /^HOST-[0-9A-F]{16}$/);
    assert.equal(mine[0]?.impactLevel, "INFRASTRUCTURE");
  });

  test("when an unknown problem is asked for, then it answers 404 in the error envelope", async () => {
    const r = await api.call("GET", "/api/v2/problems/nope_1V2");
    assert.equal(r.status, 404);
    assert.equal((r.json as { error: { code: number } }).error.code, 404);
  });
});

describe("simulated Problems API: paging, selectors, timeframe", () => {
  const clock = new ManualClock();
  const sim = new SimulatedDynatrace({ clock: clock.now, seed: 3 });
  const api = client(sim);
  before(async () => {
    await sim.listen();
    sim.generator.history(1500, 24 * HOUR, clock.now());
  });
  after(() => sim.close());

  test("when paged with pageSize 7, then every problem of the window comes once, newest first, with evidence only when fields asks", async () => {
    const first = (await api.problems(`from=now-24h&pageSize=500`)).page;
    const whole = {
      totalCount: first.totalCount,
      problems: await api.allProblems("from=now-24h&pageSize=500"),
    };
    assert.ok(whole.totalCount > 500, `enough problems for two pages of 500 (${whole.totalCount})`);
    assert.equal(whole.problems.length, whole.totalCount);
    const paged = await api.allProblems("from=now-24h&pageSize=7", "evidenceDetails");
    assert.equal(paged.length, whole.totalCount);
    assert.equal(new Set(paged.map((p) => p.problemId)).size, paged.length);
    assert.deepEqual(
      paged.map((p) => p.problemId),
      whole.problems.map((p) => p.problemId),
    );
    assert.ok(paged.every((p) => p.evidenceDetails !== undefined));
    for (let i = 1; i < paged.length; i++)
      assert.ok((paged[i - 1] as ApiProblem).startTime >= (paged[i] as ApiProblem).startTime);
    const plain = await api.allProblems("from=now-24h&pageSize=7");
    assert.ok(plain.every((p) => p.evidenceDetails === undefined));
    assert.equal(plain.length, paged.length);
  });

  test("when nextPageKey comes with anything but fields, or pageSize is over 500, then it answers 400", async () => {
    const first = (await api.problems("from=now-24h&pageSize=1")).page;
    const key = encodeURIComponent(first.nextPageKey as string);
    assert.equal((await api.problems(`nextPageKey=${key}&pageSize=1`)).status, 400);
    assert.equal((await api.problems(`nextPageKey=${key}&fields=evidenceDetails`)).status, 200);
    assert.equal((await api.problems("pageSize=501")).status, 400);
    assert.equal((await api.problems("nextPageKey=garbage")).status, 400);
  });

  test("when selectors are given, then they AND together and match what the problems carry; unknown ones answer 400", async () => {
    const all = await api.allProblems("from=now-24h&pageSize=500");
    const open = await api.allProblems(`from=now-24h&${selector('status("open")')}`);
    assert.deepEqual(
      open.map((p) => p.problemId),
      all.filter((p) => p.status === "OPEN").map((p) => p.problemId),
    );
    const closedAvail = await api.allProblems(
      `from=now-24h&${selector('status("closed"),severityLevel("AVAILABILITY")')}`,
    );
    const expected = all.filter((p) => p.status === "CLOSED" && p.severityLevel === "AVAILABILITY");
    assert.ok(expected.length > 0);
    assert.deepEqual(
      closedAvail.map((p) => p.problemId),
      expected.map((p) => p.problemId),
    );
    const services = await api.allProblems(
      `from=now-24h&${selector('impactLevel("SERVICES","APPLICATION")')}`,
    );
    assert.deepEqual(
      services.map((p) => p.problemId),
      all.filter((p) => ["SERVICES", "APPLICATION"].includes(p.impactLevel)).map((p) => p.problemId),
    );
    assert.ok(services.some((p) => p.impactLevel === "SERVICES"));
    const zone = await api.allProblems(`from=now-24h&${selector('managementZones("Team Web")')}`);
    const zoneExpected = all.filter((p) => p.managementZones.some((z) => z.name === "Team Web"));
    assert.ok(zoneExpected.length > 0);
    assert.deepEqual(
      zone.map((p) => p.problemId),
      zoneExpected.map((p) => p.problemId),
    );
    const zoneIds = await api.allProblems(
      `from=now-24h&${selector('managementZoneIds("-1871216343920395125")')}`,
    );
    assert.deepEqual(
      zoneIds.map((p) => p.problemId),
      zoneExpected.map((p) => p.problemId),
    );
    assert.equal((await api.problems(selector('text("x")'))).status, 400);
    assert.equal((await api.problems(selector('status("maybe")'))).status, 400);
  });

  test("when a problem closed in the window started before it, then it is included; one still open is as openProblemsBeforeFrom says", async () => {
    const clock2 = new ManualClock();
    const now = clock2.now();
    const make = async (reading: "included" | "excluded") => {
      const s = new SimulatedDynatrace({ clock: clock2.now, openProblemsBeforeFrom: reading });
      s.addEvent({ eventId: 1n, startTime: now - 5 * HOUR, entityId: "HOST-1" });
      s.addEvent({ eventId: 2n, startTime: now - 4 * HOUR, endTime: now - HOUR, entityId: "HOST-2" });
      s.addEvent({ eventId: 3n, startTime: now - 30 * MIN, entityId: "HOST-3" });
      await s.listen();
      try {
        const ids = (await client(s).allProblems("from=now-2h"))
          .map((p) => p.affectedEntities[0]?.entityId.id)
          .sort();
        const open = (await client(s).allProblems(`from=now-2h&${selector('status("open")')}`)).length;
        return { ids, open };
      } finally {
        await s.close();
      }
    };
    assert.deepEqual(await make("included"), { ids: ["HOST-1", "HOST-2", "HOST-3"], open: 2 });
    assert.deepEqual(await make("excluded"), { ids: ["HOST-2", "HOST-3"], open: 1 });
  });
});
