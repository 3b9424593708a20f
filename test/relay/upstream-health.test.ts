import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLogger } from "../../src/log/logger.js";
import { UpstreamHealth } from "../../src/relay/upstream-health.js";

/** The relay's production backoff: 1 s doubling to 5 min. */
const POLICY = { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 1000, maxDelayMs: 300_000 };

function health() {
  const changes: boolean[] = [];
  const h = new UpstreamHealth("prod", POLICY, createLogger("silent"), (up) => changes.push(up));
  return { h, changes };
}

describe("relay upstream health", () => {
  test("when 16 attempts in flight are refused together, then the pause is one backoff step, not sixteen", () => {
    const { h, changes } = health();
    const now = 1_000_000;
    for (let i = 0; i < 16; i++) h.refused(now + i, "unauthorized", "401", undefined);
    assert.ok(h.resumeAt - now <= 1000 + 16, `paused ${h.resumeAt - now} ms`);
    assert.deepEqual(changes, [false], "one state change");
  });

  test("when each probe after a pause is refused again, then the pause doubles up to 5 minutes", () => {
    const { h } = health();
    let now = 0;
    const pauses: number[] = [];
    for (let i = 0; i < 12; i++) {
      h.refused(now, "unauthorized", "401", undefined);
      pauses.push(h.resumeAt - now);
      now = h.resumeAt;
    }
    for (let i = 1; i < 9; i++) {
      const step = Math.min(300_000, 1000 * 2 ** i);
      assert.ok(pauses[i]! >= step / 2 && pauses[i]! <= step, `pause ${i}: ${pauses[i]} for step ${step}`);
    }
    assert.ok(pauses.at(-1)! <= 300_000 && pauses.at(-1)! >= 150_000);
  });

  test("when concurrent refusals carry a longer Retry-After, then the pause extends to it", () => {
    const { h } = health();
    h.refused(0, "rate_limited", "429", 1000);
    h.refused(5, "rate_limited", "429", 30_000);
    assert.ok(h.resumeAt >= 30_005);
  });

  test("when Dynatrace accepts again, then the pause ends and the next refusal starts from the first step", () => {
    const { h, changes } = health();
    h.refused(0, "unauthorized", "401", undefined);
    h.refused(h.resumeAt, "unauthorized", "401", undefined);
    assert.equal(h.reached(h.resumeAt + 1), true, "an outage of two refusals ended");
    assert.equal(h.resumeAt, 0);
    h.refused(10_000_000, "server_error", "503", undefined);
    assert.ok(h.resumeAt - 10_000_000 <= 1000);
    assert.deepEqual(changes, [false, true, false]);
  });
});
