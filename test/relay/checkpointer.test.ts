import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { Checkpointer } from "../../src/relay/checkpointer.js";
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
});
