import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { EventIndex } from "../../src/feed/event-index.js";

// Keys as Dynatrace writes them, plus forms that must not be confused with them.
const digits = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`)).filter((s) => s.length >= min);
const key = fc.oneof(
  fc
    .tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.integer({ min: 0, max: 2 ** 45 }))
    .map(([id, t]) => `${id}_${t}`),
  // Neighbours of one large id: JSON.parse would round them all to the same number.
  fc.integer({ min: 0, max: 4 }).map((d) => `${5_000_000_000_000_000_000n + BigInt(d)}_1700000000000`),
  fc.constantFrom("0_1", "-0_1", "007_1", "7_1", "7_01", "_1", "7_", "-_1", "1_2_3", "a_1", ""),
  fc.tuple(digits(1, 25), digits(1, 20)).map(([a, b]) => `${a}_${b}`),
  fc.string({ maxLength: 12 }),
);
const op = fc.oneof(
  fc.record({ kind: fc.constant("add" as const), key }),
  fc.record({ kind: fc.constant("remove" as const), key }),
);

describe("EventIndex", () => {
  test("when keys are added, found and removed in any order, then it agrees with a Map", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const index = new EventIndex();
        const model = new Map<string, number>();
        let nextSlot = 0;
        for (const o of ops) {
          const found = index.find(o.key);
          assert.equal(found, model.get(o.key) ?? -1, `find(${JSON.stringify(o.key)})`);
          if (o.kind === "add" && found < 0) {
            index.add(nextSlot);
            model.set(o.key, nextSlot++);
          } else if (o.kind === "remove" && found >= 0) {
            index.remove(found);
            model.delete(o.key);
          }
          assert.equal(index.size, model.size);
        }
        for (const [k, slot] of model) assert.equal(index.find(k), slot);
      }),
      { numRuns: 300 },
    );
  });

  test("when a hundred thousand keys churn through it, then every live key is still found", () => {
    const index = new EventIndex();
    const live = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const k = `${5_764_607_523_034_234_000n + BigInt(i * 7)}_${1_700_000_000_000 + i}`;
      assert.equal(index.find(k), -1);
      index.add(i);
      live.set(k, i);
      if (i % 3 === 0) {
        const [oldest, slot] = live.entries().next().value as [string, number];
        index.remove(slot);
        live.delete(oldest);
      }
    }
    assert.equal(index.size, live.size);
    for (const [k, slot] of live) assert.equal(index.find(k), slot);
  });
});
