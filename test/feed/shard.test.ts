import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { shardOf } from "../../src/feed/shard.js";

const names = Array.from({ length: 200 }, (_, i) => `env-${i.toString(36)}-${(i * 7919).toString(16)}`);

describe("shardOf", () => {
  test("when environments are sharded, then each lands on exactly one shard for any count", () => {
    for (const count of [1, 2, 3, 5, 8]) {
      const byShard = Array.from({ length: count }, (_, index) =>
        names.filter((n) => shardOf(n, count) === index),
      );
      assert.equal(byShard.flat().length, names.length);
      assert.equal(new Set(byShard.flat()).size, names.length);
      if (count > 1)
        assert.ok(
          byShard.every((s) => s.length > 0),
          `every one of ${count} shards gets work`,
        );
    }
  });

  test("when an environment is added, then no other environment moves", () => {
    for (const count of [2, 3, 5]) {
      const before = names.map((n) => shardOf(n, count));
      const after = [...names, "a-new-environment"].map((n) => shardOf(n, count));
      assert.deepEqual(after.slice(0, names.length), before);
    }
  });

  test("when compared with hashmod computed elsewhere, then it picks the same shard", () => {
    // Python: int.from_bytes(hashlib.md5(name.encode()).digest()[8:], "big") % count
    const expected: [string, number, number, number][] = [
      ["prod", 0, 3, 7],
      ["staging", 2, 1, 4],
      ["eu-1", 0, 3, 2],
      ["us-2", 2, 4, 1],
      ["managed-cluster-17", 2, 3, 5],
    ];
    for (const [name, m3, m5, m8] of expected) {
      assert.deepEqual([shardOf(name, 3), shardOf(name, 5), shardOf(name, 8)], [m3, m5, m8], name);
    }
  });
});
