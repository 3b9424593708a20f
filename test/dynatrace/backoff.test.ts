import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backoffDelay, serverRetryDelay } from "../../src/dynatrace/backoff.js";

const POLICY = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 8000 };

describe("backoffDelay", () => {
  test("when retries go on, then the delay doubles within [step/2, step] and stops at the cap", () => {
    const lows = [1, 2, 3, 4, 5].map((r) => backoffDelay(POLICY, r, () => 0));
    const highs = [1, 2, 3, 4, 5].map((r) => backoffDelay(POLICY, r, () => 0.999999));
    assert.deepEqual(lows, [500, 1000, 2000, 4000, 4000]);
    highs.forEach((h, i) => {
      assert.ok(h <= Math.min(8000, 1000 * 2 ** i) && h > (lows[i] as number), `retry ${i + 1}: ${h}`);
    });
  });
});

describe("serverRetryDelay", () => {
  const now = 1_700_000_000_000;
  test("when Retry-After is in seconds, then it is used", () => {
    assert.equal(serverRetryDelay({ "retry-after": "7" }, now), 7000);
  });
  test("when Retry-After is an HTTP date, then the wait is until that date", () => {
    assert.equal(serverRetryDelay({ "retry-after": new Date(now + 5000).toUTCString() }, now), 5000);
  });
  test("when X-RateLimit-Reset is in seconds, milliseconds or microseconds, then each gives the same wait", () => {
    const reset = now + 12_000;
    assert.equal(serverRetryDelay({ "x-ratelimit-reset": String(reset / 1000) }, now), 12_000);
    assert.equal(serverRetryDelay({ "x-ratelimit-reset": String(reset) }, now), 12_000);
    assert.equal(serverRetryDelay({ "x-ratelimit-reset": String(reset * 1000) }, now), 12_000);
  });
  test("when neither header is present, then there is no server delay", () => {
    assert.equal(serverRetryDelay({}, now), undefined);
  });
});
