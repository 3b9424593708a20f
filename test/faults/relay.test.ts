import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { request } from "undici";
import type { Fault } from "../../src/simulator/faults.js";
import { value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CASES: { name: string; fault: Fault; reason: string }[] = [
  {
    name: "429 with Retry-After",
    fault: { kind: "status", status: 429, headers: { "retry-after": "0" } },
    reason: "rate_limited",
  },
  { name: "429 without headers", fault: { kind: "status", status: 429 }, reason: "rate_limited" },
  { name: "500", fault: { kind: "status", status: 500 }, reason: "server_error" },
  {
    name: "502 with an HTML body",
    fault: { kind: "status", status: 502, body: "<html>Bad Gateway</html>" },
    reason: "server_error",
  },
  { name: "503", fault: { kind: "status", status: 503 }, reason: "server_error" },
  { name: "connection reset", fault: { kind: "reset" }, reason: "network" },
  { name: "a response that never arrives", fault: { kind: "hang" }, reason: "timeout" },
];

describe("relay delivery under upstream faults", () => {
  for (const c of CASES) {
    test(`when pushes fail with ${c.name}, then every alarm is delivered exactly once, in order, after it clears`, async () => {
      const harness = await startHarness({ relay: true, realClock: true });
      h = harness;
      const base = await harness.start();
      harness.sim.injectFault(c.fault, 3, "push");
      for (let i = 0; i < 5; i++) {
        const res = await request(`${base}/api/v1/alarms`, {
          method: "POST",
          headers: { authorization: `Bearer ${harness.relayToken}`, "content-type": "application/json" },
          // One alarm's transitions (one identity): delivered in acceptance order.
          body: JSON.stringify({
            host: "web01",
            chart: "system.cpu",
            alarm: "f",
            status: "WARNING",
            time: i + 1,
          }),
        });
        assert.equal(res.statusCode, 202);
        await res.body.dump();
      }
      await until(() => harness.sim.pushed.length === 5, 15_000, "all delivered");
      await new Promise((r) => setTimeout(r, 200));
      const times = harness.sim.pushed.map((p) => (p.customProperties as Record<string, string>).time);
      assert.deepEqual(times, ["1", "2", "3", "4", "5"]);
      const m = await harness.scrape();
      assert.equal(
        value(m, "dynatrace_relay_delivery_failures_total", { environment: "test", reason: c.reason }),
        3,
      );
      assert.equal(value(m, "dynatrace_relay_delivered_total", { environment: "test" }), 5);
      assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
      assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 0);
    });
  }
});
