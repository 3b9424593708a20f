import assert from "node:assert/strict";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import Database from "better-sqlite3";
import type { OutboundAlarm } from "../../src/relay/alarm.js";
import { Outbox } from "../../src/relay/outbox.js";
import { OutboxUnavailableError } from "../../src/relay/outbox-errors.js";
import { until } from "../helpers/wait.js";
import { scratchDir } from "../helpers/scratch.js";

const dirs: string[] = [];
const open: Outbox[] = [];

function outbox(queueLimit = 1000, dir = scratchDir("dtee-outbox-")) {
  dirs.push(dir);
  const o = new Outbox(dir, { clock: () => 1_000_000, dedupeWindowMs: 60_000, queueLimit });
  open.push(o);
  return { o, dir };
}

function alarm(name: string): OutboundAlarm {
  return { source: "native", dedupeKey: name, api: "v1", body: { title: name } };
}

function rowsOnDisk(dir: string): string[] {
  const db = new Database(join(dir, "relay-outbox.sqlite"), { readonly: true });
  const rows = db.prepare("SELECT dedupe_key FROM outbox ORDER BY id").all() as { dedupe_key: string }[];
  db.close();
  return rows.map((r) => r.dedupe_key);
}

afterEach(() => {
  for (const o of open.splice(0)) o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("Outbox group commit", () => {
  test("when offers arrive in the same turn, then each is answered once it is on disk, in order", async () => {
    const { o, dir } = outbox();
    const offers = ["a", "b", "c"].map((n) => o.enqueue("env", [alarm(n)]));
    assert.deepEqual(rowsOnDisk(dir), [], "nothing is written before the batch commits");
    const results = await Promise.all(offers);
    const ids = results.map((r) => r.ids[0] as number);
    assert.deepEqual(
      [...ids].sort((x, y) => x - y),
      ids,
    );
    // Another connection sees every acknowledged row: the commit happened before the answers.
    assert.deepEqual(rowsOnDisk(dir), ["a", "b", "c"]);
  });

  test("when one offer in a batch would overflow the queue, then only that offer is refused", async () => {
    const { o, dir } = outbox(3);
    const [a, b, c] = [
      o.enqueue("env", [alarm("a1"), alarm("a2")]),
      o.enqueue("env", [alarm("b1"), alarm("b2")]),
      o.enqueue("env", [alarm("c1")]),
    ];
    assert.equal((await a).accepted, 2);
    await assert.rejects(b, OutboxUnavailableError);
    assert.equal((await c).accepted, 1);
    assert.deepEqual(rowsOnDisk(dir), ["a1", "a2", "c1"]);
  });

  test("when the same key is offered twice in one batch, then the second is a duplicate", async () => {
    const { o } = outbox();
    const [first, second] = await Promise.all([
      o.enqueue("env", [alarm("x")]),
      o.enqueue("env", [alarm("x")]),
    ]);
    assert.deepEqual([first.accepted, second.duplicates], [1, 1]);
  });

  test("when a delivered alarm's removal is pending, then the queue skips it and the removal reaches disk", async () => {
    const { o, dir } = outbox();
    await o.enqueue("env", [alarm("a"), alarm("b")]);
    const head = o.head("env");
    assert.equal(head?.dedupeKey, "a");
    o.markDelivered(head);
    assert.equal(o.depth("env"), 1);
    assert.equal(o.head("env", head?.id)?.dedupeKey, "b");
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(rowsOnDisk(dir), ["b"]);
  });
});

describe("Outbox checkpoints", () => {
  test("when alarms are committed, then a worker thread copies the WAL into the database file", async () => {
    const { o, dir } = outbox();
    const file = join(dir, "relay-outbox.sqlite");
    const before = statSync(file).size;
    // Far below SQLite's own 1000-page threshold: only the worker's checkpoint moves these pages.
    await o.enqueue(
      "env",
      Array.from({ length: 200 }, (_, i) => alarm(`a${i}`)),
    );
    assert.ok(statSync(`${file}-wal`).size > 0);
    // Generous: under tsx the worker thread first loads tsx itself, which takes seconds on a busy machine.
    await until(() => statSync(file).size > before, 15_000, "checkpointed");
  });
});
