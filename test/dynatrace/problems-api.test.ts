import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import { DynatraceError } from "../../src/dynatrace/errors.js";
import { closeProblem, listProblems, MAX_PROBLEM_PAGES } from "../../src/dynatrace/problems.js";
import { FAKE_TOKEN, type FakeTenant, startFakeTenant } from "../helpers/scripted-tenant.js";

const tenants: FakeTenant[] = [];
const clients: DynatraceClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(tenants.map((t) => t.close()));
});

async function clientFor(handler: Parameters<typeof startFakeTenant>[0]) {
  const t = await startFakeTenant(handler);
  tenants.push(t);
  const c = new DynatraceClient({
    address: t.environment().address,
    token: FAKE_TOKEN,
    timeoutMs: 5000,
    userAgent: "test",
    backoff: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
    maxBodyBytes: { read: 64 * 1024 },
  });
  clients.push(c);
  return { t, c };
}

async function failure(p: Promise<unknown>): Promise<DynatraceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DynatraceError, String(err));
    return err;
  }
  assert.fail("expected a failure");
}

const QUERY = { status: "open" as const, fromMs: 1 };

describe("Problems API client", () => {
  test("when the tenant answers problems of odd shapes, then only valid ones are kept and their evidence is read in both property forms", async () => {
    const { t, c } = await clientFor((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          problems: [
            null,
            "P-1",
            { problemId: 42 },
            {
              problemId: "p1",
              displayId: "P-1",
              status: "OPEN",
              endTime: -1,
              evidenceDetails: {
                details: [
                  { evidenceType: "METRIC", data: {} },
                  {
                    evidenceType: "EVENT",
                    data: {
                      correlationId: "c1",
                      properties: [{ key: "alert.key", value: "am:1" }, { key: 3 }],
                    },
                  },
                  {
                    evidenceType: "EVENT",
                    displayName: "x on y",
                    data: { properties: { "alert.key": "am:2" }, endTime: 5 },
                  },
                ],
              },
            },
          ],
        }),
      );
    });
    const problems = await listProblems(c, QUERY);
    assert.equal(problems.length, 1);
    const [first, second] = problems[0]?.evidence ?? [];
    assert.deepEqual(first, {
      correlationId: "c1",
      title: undefined,
      eventType: undefined,
      properties: { "alert.key": "am:1" },
      open: true,
    });
    assert.equal(second?.properties["alert.key"], "am:2");
    assert.equal(second?.open, false);
    assert.match(t.requests[0]?.url ?? "", /problemSelector=status%28%22open%22%29.*fields=evidenceDetails/);
  });

  test("when the tenant pages without end, then the look-up fails as a paging loop after the page limit", async () => {
    let n = 0;
    const { t, c } = await clientFor((_req, res) => {
      res.end(JSON.stringify({ problems: [], nextPageKey: `k${n++}` }));
    });
    const err = await failure(listProblems(c, QUERY));
    assert.equal(err.reason, "paging_loop");
    assert.equal(t.requests.length, MAX_PROBLEM_PAGES);
    assert.ok(
      t.requests
        .slice(1)
        .every((r) => /^\/api\/v2\/problems\?nextPageKey=k\d+&fields=evidenceDetails$/.test(r.url)),
    );
  });

  test("when the answer is not the documented shape or too large, then the look-up fails without reading further", async () => {
    const { c: shape } = await clientFor((_req, res) => {
      res.end('{"totalCount":1}');
    });
    assert.equal((await failure(listProblems(shape, QUERY))).reason, "malformed_response");
    const { c: big } = await clientFor((_req, res) => {
      res.end(JSON.stringify({ problems: [], pad: "x".repeat(100_000) }));
    });
    assert.equal((await failure(listProblems(big, QUERY))).reason, "response_too_large");
  });

  test("when a close is answered 200, 204 or 403, then it is closed, already closed, or a forbidden failure", async () => {
    const answers = [200, 204, 403];
    const { t, c } = await clientFor((_req, res) => {
      const status = answers.shift() ?? 500;
      res.statusCode = status;
      if (status === 200) res.end('{"problemId":"p1","closing":true}');
      else if (status === 403) res.end('{"error":{"code":403,"message":"Token is missing required scope"}}');
      else res.end();
    });
    assert.equal(await closeProblem(c, "p/1", "resolved"), "closed");
    assert.equal(await closeProblem(c, "p/1", "resolved"), "already_closed");
    assert.equal((await failure(closeProblem(c, "p/1", "resolved"))).reason, "forbidden");
    assert.equal(t.requests[0]?.url, "/api/v2/problems/p%2F1/close");
  });
});
