import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { Checkpointer } from "../../src/relay/checkpointer.js";
import { Outbox } from "../../src/relay/outbox.js";
import { until } from "../helpers/wait.js";

const dir = mkdtempSync(join(tmpdir(), "dtee-checkpoint-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("WAL checkpointer worker", () => {
  test("when the writer's own checkpoints are off, then the worker thread moves the WAL into the database file", async () => {
    const file = join(dir, "cp.sqlite");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE t (x TEXT)");
    const insert = db.prepare("INSERT INTO t VALUES (?)");
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run("x".repeat(500));
    })();
    const before = statSync(file).size;
    assert.ok(statSync(`${file}-wal`).size > 1_000_000, "the rows sit in the WAL");
    const errors: string[] = [];
    let exited = false;
    const c = new Checkpointer(file, {
      intervalMs: 20,
      onError: (m) => errors.push(m),
      onExit: () => {
        exited = true;
      },
    });
    await until(() => statSync(file).size > before + 500_000, 10_000, "checkpointed into the database file");
    await c.stop();
    assert.equal(exited, true);
    assert.deepEqual(errors, []);
    db.close();
  });

  test("when a burst of queued alarms drained, then the outbox's WAL is given back down to its limit", async () => {
    const dataDir = join(dir, "drained");
    const limit = 256 * 1024;
    const outbox = new Outbox(dataDir, {
      clock: Date.now,
      dedupeWindowMs: 60_000,
      queueLimit: 100_000,
      walLimitBytes: limit,
    });
    const wal = join(dataDir, "relay-outbox.sqlite-wal");
    const info = "x".repeat(2000);
    for (let i = 0; i < 4000; i += 500) {
      const alarms = Array.from({ length: 500 }, (_, j) => ({
        source: "native" as const,
        dedupeKey: `k${i + j}`,
        api: "v1" as const,
        body: {
          eventType: "CUSTOM_INFO",
          source: "s",
          description: info,
          attachRules: { entityIds: ["HOST-1"] },
        },
      }));
      await outbox.enqueue("test", alarms);
    }
    for (const e of outbox.entries("test", 0, 10_000)) {
      const a = outbox.get(e.id);
      if (a) outbox.markDelivered(a);
    }
    await until(
      () => outbox.depth("test") === 0 && statSync(wal).size > 4 * limit,
      5000,
      "drained, WAL grown",
    );
    await until(() => statSync(wal).size <= limit, 15_000, `WAL truncated to at most ${limit} bytes`);
    outbox.close();
  });
});
