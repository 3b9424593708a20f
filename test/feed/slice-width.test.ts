import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { chainsWorthRunning } from "../../src/feed/slice-plan.js";

describe("how many chains a full read runs", () => {
  test("when a page takes about the CPU it costs (a tenant answering at once), then one chain", () => {
    assert.equal(chainsWorthRunning(3.1, 2.4, 8), 1);
    assert.equal(chainsWorthRunning(1.0, 1.0, 8), 1);
  });

  test("when pages take three times their CPU (a distant tenant), then four times that many chains, capped at the concurrency", () => {
    assert.equal(chainsWorthRunning(9, 3, 16), 12);
    assert.equal(chainsWorthRunning(5, 2, 16), 10);
    assert.equal(chainsWorthRunning(100, 2, 8), 8);
  });

  test("when a page took no measurable CPU, then the concurrency, not a division by zero", () => {
    assert.equal(chainsWorthRunning(5, 0, 8), 8);
    assert.equal(chainsWorthRunning(0, 0, 8), 1);
  });
});
