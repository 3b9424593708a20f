import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import Database from "better-sqlite3";
import request from "supertest";
import { request as undiciRequest } from "undici";
import { value } from "../helpers/exposition.js";
import { PushTenant } from "../helpers/push-tenant.js";
import { startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(env: Record<string, string> = {}) {
  const t = new PushTenant();
  await t.listen();
  cleanup.push(() => t.close());
  const h = await startHarness({ relay: true, realClock: true, env: { DYNATRACE_URL: t.url, ...env } });
  cleanup.push(() => h.close());
  return { h, t, base: await h.start() };
}

async function post(base: string, token: string, body: unknown): Promise<number> {
  const res = await undiciRequest(`${base}/api/v1/alarms`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.body.dump();
  return res.statusCode;
}

function openOutbox(dir: string): Database.Database {
  const db = new Database(join(dir, "relay-outbox.sqlite"), { timeout: 5000 });
  cleanup.push(() => {
    db.close();
  });
  return db;
}

const OLD_SCHEMA = `
CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, environment TEXT NOT NULL, source TEXT NOT NULL,
  dedupe_key TEXT NOT NULL, api TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT);
CREATE INDEX outbox_by_environment ON outbox (environment, id);`;

const body = (name: string) =>
  JSON.stringify({
    eventType: "CUSTOM_INFO",
    source: "old",
    title: name,
    description: name,
    attachRules: { entityIds: ["HOST-1"] },
  });

describe("relay delivery and the outbox file", () => {
  test("when the outbox was written by a version without identities, then it is migrated in place and its alarms are delivered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dtee-old-outbox-"));
    const old = new Database(join(dir, "relay-outbox.sqlite"));
    old.exec(OLD_SCHEMA);
    const insert = old.prepare(
      "INSERT INTO outbox (environment, source, dedupe_key, api, payload, created_at, next_attempt_at) VALUES ('test', 'v1', ?, 'v1', ?, ?, 0)",
    );
    for (const name of ["old1", "old2", "old3"]) insert.run(`key-${name}`, body(name), Date.now());
    old.close();
    const { t } = await setup({ RELAY_DATA_DIR: dir });
    await until(() => t.accepted.length === 3, 10_000, "old alarms delivered");
    assert.deepEqual(t.accepted.map((b) => b.title).sort(), ["old1", "old2", "old3"]);
    const columns = openOutbox(dir).prepare("PRAGMA table_info(outbox)").all() as { name: string }[];
    assert.ok(columns.some((c) => c.name === "identity"));
  });

  test("when another process adds an alarm to the outbox (a dead-letter replay), then the idle sender picks it up within seconds", async () => {
    const { h, t, base } = await setup();
    assert.equal(
      await post(base, h.relayToken, { host: "h", chart: "c", alarm: "first", status: "WARNING" }),
      202,
    );
    await until(() => t.accepted.length === 1, 5000, "first delivered");
    openOutbox(h.dataDir)
      .prepare(
        "INSERT INTO outbox (environment, source, dedupe_key, api, payload, created_at, next_attempt_at) VALUES ('test', 'v1', 'replayed', 'v1', ?, ?, 0)",
      )
      .run(body("replayed"), Date.now());
    await until(() => t.accepted.length === 2, 8000, "row from another process delivered");
    assert.equal(t.accepted[1]?.title, "replayed");
  });

  test("when the outbox cannot be read at run time, then delivery pauses with one error log and a counted metric, the process keeps serving, and nothing is re-sent", async () => {
    const { h, t, base } = await setup();
    assert.equal(
      await post(base, h.relayToken, { host: "h", chart: "c", alarm: "before", status: "WARNING" }),
      202,
    );
    await until(() => t.accepted.length === 1, 5000, "delivered");
    const other = openOutbox(h.dataDir);
    other.exec("DROP TABLE outbox");
    const errors = async () =>
      value(await h.scrape(), "dynatrace_relay_outbox_errors_total", { environment: "test" });
    await until(async () => (await errors()) >= 2, 15_000, "read errors counted");
    await request(h.app.http).get("/healthz").expect(200);
    assert.match((await request(h.app.http).get("/").expect(200)).text, /Alarm relay/);
    assert.equal(t.pushes, 1, "nothing re-sent while the outbox fails");
    const logged = h.logs.text
      .split("\n")
      .filter((l) => l.includes("relay outbox cannot be read or written"));
    assert.equal(logged.length, 1, "one error log per failure streak");
    other.exec(OLD_SCHEMA.replace("last_error TEXT)", "last_error TEXT, identity TEXT)"));
    await until(() => h.logs.text.includes("relay outbox readable again"), 10_000, "recovery logged");
    assert.equal(
      await post(base, h.relayToken, { host: "h", chart: "c", alarm: "after", status: "WARNING" }),
      202,
    );
    await until(() => t.accepted.length === 2, 10_000, "delivery resumed");
  });

  test("when an environment refuses until RELAY_MAX_AGE, then the alarm is dead-lettered as expired (replayable), not for the refusal", async () => {
    const { h, t, base } = await setup({ RELAY_MAX_AGE: "2s" });
    t.script = () => ({ status: 503, body: "{}" });
    assert.equal(
      await post(base, h.relayToken, { host: "h", chart: "c", alarm: "old", status: "WARNING" }),
      202,
    );
    await until(() => t.pushes >= 2, 5000, "retried");
    assert.equal(value(await h.scrape(), "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
    await until(
      async () =>
        value(await h.scrape(), "dynatrace_relay_dead_letters_total", { environment: "test" }) === 1,
      10_000,
      "expired",
    );
    const row = openOutbox(h.dataDir).prepare("SELECT reason, dedupe_key FROM dead_letters").get() as {
      reason: string;
    };
    assert.equal(row.reason, "expired");
    assert.equal(value(await h.scrape(), "dynatrace_relay_queue_depth", { environment: "test" }), 0);
    assert.equal(t.accepted.length, 0);
  });
});
