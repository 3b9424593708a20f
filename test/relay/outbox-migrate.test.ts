import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { LIFECYCLE_SCHEMA } from "../../src/relay/lifecycle/schema.js";
import { LifecycleStore } from "../../src/relay/lifecycle/store.js";
import { OUTBOX_FILE } from "../../src/relay/outbox-open.js";
import { OUTBOX_SCHEMA } from "../../src/relay/outbox-schema.js";
import { Outbox } from "../../src/relay/outbox.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An outbox file as the first lifecycle release wrote it: no `first_missed_at`, no `identity`. */
function oldOutboxFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "dtee-migrate-"));
  dirs.push(dir);
  const db = new Database(join(dir, OUTBOX_FILE));
  db.exec(OUTBOX_SCHEMA);
  const oldLifecycle = LIFECYCLE_SCHEMA.replace(/^\s*first_missed_at INTEGER,\n/m, "");
  assert.notEqual(oldLifecycle, LIFECYCLE_SCHEMA, "the old schema lacks the column");
  db.exec(oldLifecycle);
  db.prepare(
    `INSERT INTO outbox (environment, source, dedupe_key, api, payload, created_at, next_attempt_at)
     VALUES ('prod', 'alertmanager', 'k1', 'v2', '{"title":"x"}', 1000, 1000)`,
  ).run();
  db.prepare(
    `INSERT INTO lifecycle_closes (environment, alert_key, identity, title, message, created_at, next_attempt_at)
     VALUES ('prod', 'am:a1', 'am:a1', 'DiskFull on web01', 'Alert resolved', 1000, 1000)`,
  ).run();
  db.close();
  return dir;
}

describe("outbox files written by an older version", () => {
  test("when an outbox from before the close's first-miss column is opened, then its pending close keeps working and records misses", () => {
    const dir = oldOutboxFile();
    const outbox = new Outbox(dir, { clock: () => 2000, dedupeWindowMs: 60_000, queueLimit: 100 });
    try {
      const store = new LifecycleStore(outbox.database());
      const [close] = store.dueCloses("prod", 2000);
      assert.ok(close, "the pending close survived the migration");
      assert.equal(close.firstMissedAt, null);
      store.missed(close, 2000, 32_000, "no open problem holds the alert yet");
      store.missed({ ...close, firstMissedAt: 2000 }, 32_000, 62_000, "no open problem holds the alert yet");
      const [again] = store.dueCloses("prod", 62_000);
      assert.equal(again?.firstMissedAt, 2000, "the first miss is kept");
      assert.equal(again?.attempts, 2);
      assert.equal(outbox.depth("prod"), 1, "the queued alarm survived the migration");
    } finally {
      outbox.close();
    }
  });
});
