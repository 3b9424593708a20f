import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";
import { client } from "./problems-client.js";

const MIN = 60_000;
const ALERT = {
  eventType: "ERROR_EVENT",
  title: "Errors on checkout",
  entitySelector: 'entityId("SERVICE-00000000000000D1")',
  timeout: 30,
};

describe("simulated Problems API: close, scopes, faults", () => {
  const clock = new ManualClock();
  const sim = new SimulatedDynatrace({ clock: clock.now });
  const api = client(sim);
  before(() => sim.listen());
  after(() => sim.close());

  test("when a problem is closed, then 200 with the comment, its events end then, a second close is 204, and the same payload later opens a new problem", async () => {
    const first = await api.ingest(ALERT);
    await api.ingest({ ...ALERT, eventType: "AVAILABILITY_EVENT", title: "down" });
    clock.advance(2 * MIN);
    const [problem] = await api.allProblems("");
    assert.equal(problem?.impactLevel, "SERVICES");
    const id = problem?.problemId;
    const closed = await api.close(id, { message: "resolved: Errors on checkout" });
    assert.equal(closed.status, 200);
    const body = closed.json as {
      problemId: string;
      closing: boolean;
      closeTimestamp: number;
      comment: { content: string; authorName: string; id: string; createdAtTimestamp: number };
    };
    assert.equal(body.problemId, id);
    assert.equal(body.closing, true);
    assert.equal(body.closeTimestamp, clock.now());
    assert.equal(body.comment.content, "resolved: Errors on checkout");
    assert.equal(body.comment.createdAtTimestamp, clock.now());
    assert.match(body.comment.authorName, /^API token /);
    assert.equal(sim.problems.closes.length, 1);
    assert.deepEqual(
      {
        problemId: sim.problems.closes[0]?.problemId,
        at: sim.problems.closes[0]?.at,
        ended: sim.problems.closes[0]?.endedEvents.length,
      },
      { problemId: id, at: clock.now(), ended: 2 },
    );
    assert.ok([...sim.store.all()].every((e) => e.endTime === clock.now()));
    assert.ok(sim.eventLife.records.every((r) => r.ended?.reason === "PROBLEM_CLOSED"));
    const after = await api.call("GET", `/api/v2/problems/${encodeURIComponent(id)}`);
    assert.equal((after.json as { status: string; endTime: number }).status, "CLOSED");
    assert.equal((after.json as { endTime: number }).endTime, clock.now());
    const again = await api.close(id, { message: "again" });
    assert.equal(again.status, 204);
    assert.equal(again.json, undefined);

    clock.advance(MIN);
    const later = await api.ingest(ALERT);
    assert.notEqual(later.correlationId, first.correlationId);
    const problems = await api.allProblems("");
    assert.deepEqual(
      problems.map((p) => p.status),
      ["OPEN", "CLOSED"],
    );
    assert.notEqual(problems[0]?.problemId, id);
  });

  test("when close has no message or an unknown id, then 400 and 404", async () => {
    const [problem] = await api.allProblems("");
    assert.equal((await api.close(problem?.problemId as string, {})).status, 400);
    assert.equal((await api.close(problem?.problemId as string, "not an object")).status, 400);
    assert.equal((await api.close("1_2V2", { message: "x" })).status, 404);
  });

  test("when the token lacks problems.read or problems.write, then 403 naming the scope; feeds still work", async () => {
    const [problem] = await api.allProblems("");
    sim.tokenScopes.delete("problems.write");
    const denied = await api.close(problem?.problemId as string, { message: "x" });
    assert.equal(denied.status, 403);
    assert.match((denied.json as { error: { message: string } }).error.message, /problems\.write/);
    sim.tokenScopes.delete("problems.read");
    const list = await api.problems("");
    assert.equal(list.status, 403);
    assert.deepEqual(list.page.error?.code, 403);
    assert.match(list.page.error?.message ?? "", /problems\.read/);
    assert.equal((await api.call("GET", "/api/v2/events")).status, 200);
    sim.tokenScopes.add("problems.read").add("problems.write");
    assert.equal((await api.problems("")).status, 200);
  });

  test("when a token is constructed without problem scopes, then problems answer 403", async () => {
    const limited = new SimulatedDynatrace({ tokenScopes: ["events.read", "events.ingest", "DataExport"] });
    await limited.listen();
    try {
      assert.equal((await client(limited).problems("")).status, 403);
    } finally {
      await limited.close();
    }
  });

  test("when a fault is armed for problems, then the next problems request gets it and is recorded", async () => {
    sim.injectFault({ kind: "status", status: 503 }, 1, "problems");
    const before = sim.requests.length;
    assert.equal((await api.problems("")).status, 503);
    assert.equal((await api.problems("")).status, 200);
    const recorded = sim.requests.slice(before).map((r) => [r.method, r.path, r.status]);
    assert.deepEqual(recorded, [
      ["GET", "/api/v2/problems", 503],
      ["GET", "/api/v2/problems", 200],
    ]);
    sim.injectFault({ kind: "status", status: 429 }, 1, "problems");
    assert.equal((await api.close("1_2V2", { message: "x" })).status, 429);
  });
});
