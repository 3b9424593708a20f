import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { normaliseSalvaged } from "../../src/relay/outbox-salvage.js";

describe("salvaged outbox rows", () => {
  test("when a damaged page handed back garbage schedules and acceptance times, then every salvaged alarm is due now with a sane age", () => {
    const db = new Database(":memory:");
    db.exec(
      "CREATE TABLE outbox (id INTEGER PRIMARY KEY, created_at INTEGER, attempts INTEGER, next_attempt_at INTEGER)",
    );
    const now = Date.parse("2026-11-26T12:00:00Z");
    const insert = db.prepare("INSERT INTO outbox VALUES (?, ?, ?, ?)");
    insert.run(1, now - 60_000, 3, now + 5_000); // sound: keeps its age
    insert.run(2, now - 60_000, 7, 124483469091365); // a retry due in the year 5914
    insert.run(3, 9e15, 0, now); // accepted in the far future
    insert.run(4, -5, 0, -1); // before 2000
    insert.run(5, "garbage", 0, "x"); // not even an integer
    assert.equal(normaliseSalvaged(db, now), 3);
    const rows = db.prepare("SELECT id, created_at, attempts, next_attempt_at FROM outbox ORDER BY id").all();
    assert.deepEqual(rows, [
      { id: 1, created_at: now - 60_000, attempts: 0, next_attempt_at: now },
      { id: 2, created_at: now - 60_000, attempts: 0, next_attempt_at: now },
      { id: 3, created_at: now, attempts: 0, next_attempt_at: now },
      { id: 4, created_at: now, attempts: 0, next_attempt_at: now },
      { id: 5, created_at: now, attempts: 0, next_attempt_at: now },
    ]);
    db.close();
  });
});
