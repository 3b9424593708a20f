import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import type { OutboundAlarm } from "../../src/relay/alarm.js";
import { DataDirLock, DataDirLockedError } from "../../src/relay/data-dir-lock.js";
import { Outbox } from "../../src/relay/outbox.js";

// FUZZ_RUNS=10000 for the full run: 100 here (each run opens SQLite files, about 0.35 s); npm test
// uses 15.
const RUNS = Math.max(15, Math.floor(Number(process.env.FUZZ_RUNS ?? 300) / 100));
const root = mkdtempSync(join(tmpdir(), "dtee-fuzz-dir-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

const ENVIRONMENTS = ["prod", "stage", "dev", "eu", "us"];

function alarms(environment: string, count: number): OutboundAlarm[] {
  return Array.from({ length: count }, (_, i) => ({
    source: "native" as const,
    dedupeKey: `${environment}-${i}`,
    identity: `${environment}/host/alarm${i % 3}`,
    api: "v1" as const,
    body: {
      eventType: "CUSTOM_INFO",
      source: "fuzz",
      description: "d",
      attachRules: { entityIds: ["HOST-1"] },
    },
  }));
}

const open = (dir: string) =>
  new Outbox(dir, { clock: Date.now, dedupeWindowMs: 60_000, queueLimit: 10_000 });

describe("data directory, randomized", () => {
  test("when lockers take and give back a data dir's lock in any order, then exactly one holds it at a time and a refusal names the holder", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.boolean()), { minLength: 1, maxLength: 30 }), (steps) => {
        const dir = freshDir();
        const held = new Map<number, DataDirLock>();
        try {
          for (const [who, take] of steps) {
            const mine = held.get(who);
            if (!take) {
              mine?.release();
              held.delete(who);
              continue;
            }
            if (mine) continue;
            try {
              held.set(who, DataDirLock.acquire(dir, Date.now()));
              assert.equal(held.size, 1, "only one holder");
            } catch (err) {
              assert.ok(err instanceof DataDirLockedError, String(err));
              assert.equal(held.size, 1, "refused only while another holds it");
              assert.equal(err.holder?.pid, process.pid);
            }
          }
        } finally {
          for (const l of held.values()) l.release();
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("when any subset of environments with queued alarms is dropped from the config, then exactly their alarms become orphaned dead letters, and a replay --to brings them all back", async () => {
    const queued = fc.dictionary(fc.constantFrom(...ENVIRONMENTS), fc.integer({ min: 0, max: 40 }), {
      minKeys: 1,
    });
    await fc.assert(
      fc.asyncProperty(queued, fc.subarray(ENVIRONMENTS), async (counts, configured) => {
        const dir = freshDir();
        const first = open(dir);
        for (const [environment, count] of Object.entries(counts))
          if (count > 0) await first.enqueue(environment, alarms(environment, count));
        first.close();

        const second = open(dir);
        try {
          const orphaned = second.orphan(configured);
          const expected = Object.fromEntries(
            Object.entries(counts).filter(([e, c]) => c > 0 && !configured.includes(e)),
          );
          assert.deepEqual(orphaned, expected);
          for (const e of ENVIRONMENTS) {
            const kept = configured.includes(e) ? (counts[e] ?? 0) : 0;
            assert.equal(second.depth(e), kept, `queue of ${e}`);
            const dead = second.deadLetterTable().list({ environment: e }, 1000);
            assert.equal(dead.total, expected[e] ?? 0, `dead letters of ${e}`);
            assert.ok(dead.items.every((d) => d.reason === "orphaned"));
          }
          const target = "target";
          let replayed = 0;
          for (const e of Object.keys(expected))
            replayed += second.deadLetterTable().replay({ environment: e }, target)[target] ?? 0;
          second.recount();
          const total = Object.values(expected).reduce((a, b) => a + b, 0);
          assert.equal(replayed, total);
          assert.equal(second.depth(target), total);
          assert.equal(second.orphan([...configured, target]).target, undefined, "nothing orphaned twice");
        } finally {
          second.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
