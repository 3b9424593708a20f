import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { FailureReason } from "../../src/dynatrace/errors.js";
import type { Fault } from "../../src/simulator/faults.js";
import { value } from "../helpers/exposition.js";
import { addBatch, MIN } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const E = { environment: "test" };
const OPEN = { ...E, event_type: "CPU_SATURATED", status: "OPEN" };
const MAX_ATTEMPTS = 3;

interface Case {
  name: string;
  fault: Fault | "revoke-token";
  reason: FailureReason;
  /** Feed requests the failing drain may make: no hammering. */
  budget: number;
  /** Waits the client must have asked for, in ms, at least. */
  minWait?: number;
}

const CASES: Case[] = [
  {
    name: "429 with Retry-After",
    fault: { kind: "status", status: 429, headers: { "retry-after": "7" } },
    reason: "rate_limited",
    budget: MAX_ATTEMPTS,
    minWait: 7000,
  },
  {
    name: "429 with X-RateLimit-Reset",
    fault: { kind: "status", status: 429, headers: { "x-ratelimit-reset": "RESET" } },
    reason: "rate_limited",
    budget: MAX_ATTEMPTS,
    minWait: 9000,
  },
  {
    name: "429 without headers",
    fault: { kind: "status", status: 429 },
    reason: "rate_limited",
    budget: MAX_ATTEMPTS,
    minWait: 500,
  },
  {
    name: "500",
    fault: { kind: "status", status: 500 },
    reason: "server_error",
    budget: MAX_ATTEMPTS,
    minWait: 500,
  },
  {
    name: "502 with an HTML body",
    fault: { kind: "status", status: 502, body: "<html>Bad Gateway</html>" },
    reason: "server_error",
    budget: MAX_ATTEMPTS,
  },
  {
    name: "503",
    fault: { kind: "status", status: 503 },
    reason: "server_error",
    budget: MAX_ATTEMPTS,
  },
  { name: "connection reset", fault: { kind: "reset" }, reason: "network", budget: MAX_ATTEMPTS },
  {
    name: "a response that never arrives",
    fault: { kind: "hang" },
    reason: "timeout",
    budget: MAX_ATTEMPTS,
  },
  { name: "malformed JSON", fault: { kind: "malformed" }, reason: "malformed_response", budget: 1 },
  { name: "truncated body", fault: { kind: "truncated" }, reason: "network", budget: MAX_ATTEMPTS },
  {
    name: "a repeating cursor",
    fault: { kind: "repeat-cursor" },
    reason: "paging_loop",
    budget: 2,
  },
  {
    name: "401 after the token is revoked",
    fault: "revoke-token",
    reason: "unauthorized",
    budget: 1,
  },
  { name: "403", fault: { kind: "status", status: 403 }, reason: "forbidden", budget: 1 },
];

describe("upstream faults", () => {
  test("when the API sends unknown enum values and extra fields, then they are counted, not rejected", async () => {
    h = await startHarness();
    const now = h.clock.now();
    h.sim.addEvent({
      eventId: 1n,
      startTime: now - MIN,
      eventType: "NEVER_SEEN_BEFORE",
      severityLevel: "NEW_SEVERITY",
    });
    h.sim.addEvent({
      eventId: 2n,
      startTime: now - MIN,
      impactLevel: "NEW_IMPACT",
      extra: { brandNew: { x: [1, null] } },
    });
    assert.equal(await h.drain(), true);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_up", E), 1);
    assert.equal(
      value(m, "dynatrace_events", { event_type: "NEVER_SEEN_BEFORE", severity_level: "NEW_SEVERITY" }),
      1,
    );
    assert.equal(value(m, "dynatrace_events", { impact_level: "NEW_IMPACT" }), 1);
  });

  for (const c of CASES) {
    test(`when the API fails with ${c.name}, then last values stay, up is 0, and recovery is exact`, async () => {
      h = await startHarness({ maxAttempts: MAX_ATTEMPTS });
      addBatch(h.sim, {
        count: 400,
        eventType: "CPU_SATURATED",
        newestStart: h.clock.now() - MIN,
        spacingMs: 60_000,
        open: true,
      });
      assert.equal(await h.drain(), true);
      const good = await h.scrape();
      assert.equal(value(good, "dynatrace_events", OPEN), 400);

      h.clock.advance(MIN);
      // Two pages of new events, so that faults in the middle of paging are reachable.
      addBatch(h.sim, {
        count: 200,
        eventType: "CPU_SATURATED",
        newestStart: h.clock.now() - 100,
        spacingMs: 100,
        open: true,
      });
      const token = h.sim.token;
      if (c.fault === "revoke-token") h.sim.revokeToken();
      else {
        const fault =
          c.fault.kind === "status" && c.fault.headers?.["x-ratelimit-reset"]
            ? {
                ...c.fault,
                headers: { "x-ratelimit-reset": String((h.clock.now() + 9000) * 1000) },
              }
            : c.fault;
        h.sim.injectFault(fault, Number.POSITIVE_INFINITY);
      }
      const before = h.feedRequests();
      assert.equal(await h.drain(), false);
      const during = await h.scrape();
      assert.ok(h.feedRequests() - before <= c.budget, `made ${h.feedRequests() - before} requests`);
      assert.equal(value(during, "dynatrace_up", E), 0);
      assert.equal(value(during, "dynatrace_drain_errors_total", { ...E, reason: c.reason }), 1);
      assert.equal(value(during, "dynatrace_events", OPEN), 400, "last good value kept");
      if (c.minWait !== undefined)
        assert.ok(Math.max(...h.sleeps) >= c.minWait, `waits: ${h.sleeps.join(",")}`);

      h.sim.faults.clear();
      h.sim.token = token;
      h.clock.advance(MIN);
      assert.equal(await h.drain(), true);
      const after = await h.scrape();
      assert.equal(value(after, "dynatrace_events", OPEN), 600);
      assert.equal(value(after, "dynatrace_events_tracked", E), 600);
      assert.equal(value(after, "dynatrace_up", E), 1);
      assert.equal(
        value(after, "dynatrace_events_observed_total", { ...E, event_type: "CPU_SATURATED" }),
        200,
      );
    });
  }

  test("when a 401 happens, then the log names the DataExport scope and holds no token", async () => {
    h = await startHarness();
    const token = h.sim.token;
    h.sim.revokeToken();
    assert.equal(await h.drain(), false);
    const lines = h.logs.find("drain failed");
    assert.equal(lines.length, 1);
    assert.match(String(lines[0]?.msg), /401.*DataExport/);
    assert.equal(lines[0]?.level, 50);
    assert.ok(!h.logs.text.includes(token));
  });

  test("when requests are answered by status code, then dynatrace_api_requests_total counts each attempt", async () => {
    h = await startHarness({ maxAttempts: 3 });
    h.sim.injectFault({ kind: "status", status: 503 }, 2);
    assert.equal(await h.drain(), true);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_api_requests_total", { ...E, endpoint: "v1_events", code: "503" }), 2);
    assert.equal(value(m, "dynatrace_api_requests_total", { ...E, endpoint: "v1_events", code: "200" }), 1);
  });
});
