import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type SimulatorOptions, SimulatedDynatrace } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";
import { client } from "./problems-client.js";

const MIN = 60_000;

/** Runs `body` against a fresh simulator on a manual clock, always closing it. */
async function withSim(
  options: SimulatorOptions,
  body: (sim: SimulatedDynatrace, api: ReturnType<typeof client>, clock: ManualClock) => Promise<void>,
): Promise<void> {
  const clock = new ManualClock();
  const sim = new SimulatedDynatrace({ clock: clock.now, ...options });
  await sim.listen();
  try {
    await body(sim, client(sim), clock);
  } finally {
    await sim.close();
  }
}

const ALERT = {
  eventType: "CUSTOM_ALERT",
  title: "HighLatency on web-1",
  entitySelector: 'type(HOST),entityName.equals("web-1")',
  timeout: 5,
  properties: { alertname: "HighLatency" },
};

describe("simulated life of an ingested problem-opening event", () => {
  test("when an event is not refreshed, then it ends TIMED_OUT at its timeout and its problem closes then", async () => {
    await withSim({}, async (sim, api, clock) => {
      const start = clock.now();
      const sent = await api.ingest(ALERT);
      clock.advance(4 * MIN);
      assert.equal((await api.allProblems(""))[0]?.status, "OPEN");
      clock.advance(2 * MIN);
      const [problem] = await api.allProblems("", "evidenceDetails");
      assert.equal(problem?.status, "CLOSED");
      assert.equal(problem?.endTime, start + 5 * MIN);
      assert.equal(problem?.evidenceDetails?.details[0]?.data.correlationId, sent.correlationId);
      assert.equal(problem?.evidenceDetails?.details[0]?.data.status, "CLOSED");
      assert.deepEqual(sim.eventLife.records[0]?.ended, { at: start + 5 * MIN, reason: "TIMED_OUT" });
    });
  });

  test("when the timeout is over 360 minutes, then it is capped at 360; v1 timeoutMinutes at 120", async () => {
    await withSim({}, async (sim, api, clock) => {
      const start = clock.now();
      await api.ingest({ ...ALERT, timeout: 1000 });
      const v1 = await api.call("POST", "/api/v1/events", {
        eventType: "ERROR_EVENT",
        source: "test",
        title: "v1 error",
        description: "d",
        timeoutMinutes: 500,
        attachRules: { entityIds: ["HOST-00000000000000F1"] },
      });
      assert.equal(v1.status, 200);
      assert.deepEqual(
        sim.eventLife.records.map((r) => r.closeAt - start),
        [360 * MIN, 120 * MIN],
      );
      clock.advance(121 * MIN);
      const problems = await api.allProblems("from=now-3h");
      assert.deepEqual(Object.fromEntries(problems.map((p) => [p.severityLevel, p.status])), {
        CUSTOM_ALERT: "OPEN",
        ERROR: "CLOSED",
      });
    });
  });

  for (const refreshMatch of ["payload", "title"] as const) {
    test(`when the same payload is resent within the timeout (refreshMatch ${refreshMatch}), then the event stays open past it: same correlationId, one event, one problem`, async () => {
      await withSim({ refreshMatch }, async (sim, api, clock) => {
        const first = await api.ingest(ALERT);
        for (let i = 0; i < 5; i++) {
          clock.advance(4 * MIN);
          const again = await api.ingest({ ...ALERT, startTime: clock.now() });
          assert.equal(again.correlationId, first.correlationId);
        }
        const problems = await api.allProblems("", "evidenceDetails");
        assert.equal(problems.length, 1);
        assert.equal(problems[0]?.status, "OPEN");
        assert.equal(problems[0]?.evidenceDetails?.totalCount, 1);
        assert.equal(sim.store.size, 1);
        assert.equal(sim.eventLife.records[0]?.refreshes, 5);
        clock.advance(5 * MIN);
        assert.equal((await api.allProblems(""))[0]?.status, "CLOSED");
      });
    });
  }

  test("when a resend differs only in a property, then payload mode stores a new event and title mode refreshes", async () => {
    for (const [refreshMatch, events] of [
      ["payload", 2],
      ["title", 1],
    ] as const) {
      await withSim({ refreshMatch }, async (sim, api) => {
        const a = await api.ingest(ALERT);
        const b = await api.ingest({ ...ALERT, properties: { alertname: "HighLatency", value: "2" } });
        assert.equal(sim.store.size, events, refreshMatch);
        assert.equal(a.correlationId === b.correlationId, events === 1);
        assert.equal((await api.allProblems("")).length, 1, "both on one entity: one problem");
      });
    }
  });

  test("when a v1 push is resent, then it refreshes too; a closed event is not refreshed but replaced", async () => {
    await withSim({}, async (sim, api, clock) => {
      const push = {
        eventType: "AVAILABILITY_EVENT",
        source: "test",
        title: "down",
        description: "d",
        timeoutMinutes: 3,
        attachRules: { entityIds: ["HOST-00000000000000F2"] },
      };
      const first = await api.call("POST", "/api/v1/events", push);
      clock.advance(2 * MIN);
      const second = await api.call("POST", "/api/v1/events", push);
      assert.deepEqual(second.json, first.json);
      clock.advance(4 * MIN);
      const third = await api.call("POST", "/api/v1/events", push);
      assert.notDeepEqual(third.json, first.json);
      assert.equal(sim.store.size, 2);
      assert.deepEqual(
        (await api.allProblems("")).map((p) => p.status),
        ["OPEN", "CLOSED"],
      );
    });
  });

  test("when endTimeCloses is on, then a resend with endTime <= now ends the event; off, it refreshes", async () => {
    for (const endTimeCloses of [true, false]) {
      await withSim({ endTimeCloses }, async (sim, api, clock) => {
        await api.ingest(ALERT);
        clock.advance(MIN);
        await api.ingest({ ...ALERT, endTime: clock.now() });
        const [problem] = await api.allProblems("");
        assert.equal(problem?.status, endTimeCloses ? "CLOSED" : "OPEN");
        assert.equal(sim.eventLife.records[0]?.ended?.reason, endTimeCloses ? "END_TIME" : undefined);
      });
    }
  });

  test("when the v2 feed is asked for an ingest's correlationId, then exactly that event comes, with its properties", async () => {
    await withSim({}, async (_sim, api) => {
      const sent = await api.ingest(ALERT);
      await api.ingest({ ...ALERT, title: "other", entitySelector: 'entityId("HOST-00000000000000F3")' });
      const sel = encodeURIComponent(
        `correlationId("${sent.correlationId}"),status("OPEN"),eventType("CUSTOM_ALERT")`,
      );
      const r = await api.call("GET", `/api/v2/events?eventSelector=${sel}`);
      const events = (
        r.json as { events: { correlationId: string; title: string; properties: { key: string }[] }[] }
      ).events;
      assert.equal(events.length, 1);
      assert.equal(events[0]?.correlationId, sent.correlationId);
      assert.equal(events[0]?.title, ALERT.title);
      assert.ok(events[0]?.properties.some((p) => p.key === "alertname"));
      const bad = await api.call("GET", `/api/v2/events?eventSelector=${encodeURIComponent('text("x")')}`);
      assert.equal(bad.status, 400);
    });
  });
});
