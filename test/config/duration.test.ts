import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatDuration, parseDuration } from "../../src/config/duration.js";

describe("parseDuration", () => {
  test("when given Prometheus-style units, then it returns milliseconds", () => {
    assert.equal(parseDuration("30s"), 30_000);
    assert.equal(parseDuration("5m"), 300_000);
    assert.equal(parseDuration("24h"), 86_400_000);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("2d"), 172_800_000);
    assert.equal(parseDuration("1w"), 604_800_000);
    assert.equal(parseDuration("250ms"), 250);
  });

  test("when given a plain number, then it means seconds", () => {
    assert.equal(parseDuration("90"), 90_000);
    assert.equal(parseDuration("0.5"), 500);
  });

  test("when given garbage or units out of order, then it returns undefined", () => {
    for (const bad of ["", "5x", "m5", "30m1h", "-5s", "5 m", "1.5h", "s"]) {
      assert.equal(parseDuration(bad), undefined, bad);
    }
  });

  test("when formatting, then the result parses back to the same value", () => {
    for (const ms of [250, 30_000, 5_400_000, 86_400_000, 90_061_001]) {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }
  });
});
