import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import Database from "better-sqlite3";
import request from "supertest";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface ReadyBody {
  status: string;
  reason: string;
  relay?: { state: string; ready: boolean; reason: string };
  environments?: {
    environment: string;
    ready: boolean;
    lastError: { reason: string; status?: number; message?: string } | null;
  }[];
}

async function ready(harness: Harness, query = ""): Promise<{ code: number; body: ReadyBody }> {
  const res = await request(harness.app.http).get(`/readyz${query}`);
  return { code: res.status, body: res.body as ReadyBody };
}

describe("readiness per role", () => {
  test("when Dynatrace is down from the start, then the relay role is ready and the feed and whole are not", async () => {
    h = await startHarness({ relay: true });
    h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
    assert.equal(await h.drain(), false);
    const relay = await ready(h, "?role=relay");
    assert.equal(relay.code, 200);
    assert.equal(relay.body.relay?.state, "on");
    assert.equal(relay.body.environments, undefined, "the relay role does not look at the feed");
    const feed = await ready(h, "?role=feed");
    assert.equal(feed.code, 503);
    assert.match(feed.body.reason, /first drain has not yet succeeded for: test/);
    const whole = await ready(h);
    assert.equal(whole.code, 503);
    assert.equal(whole.body.relay?.ready, true);
    h.sim.faults.clear();
    assert.equal(await h.drain(), true);
    assert.equal((await ready(h)).code, 200);
    assert.equal((await ready(h, "?role=feed")).code, 200);
  });

  test("when the relay is off, then the relay role is ready and says the relay is off", async () => {
    h = await startHarness();
    const relay = await ready(h, "?role=relay");
    assert.equal(relay.code, 200);
    assert.equal(relay.body.relay?.state, "off");
    assert.match(relay.body.reason, /relay is off/);
  });

  test("when the outbox cannot be written, then the relay role is 503 until it can again", async () => {
    h = await startHarness({ relay: true });
    const other = new Database(join(h.dataDir, "relay-outbox.sqlite"));
    try {
      other.exec("BEGIN IMMEDIATE");
      const locked = await ready(h, "?role=relay");
      assert.equal(locked.code, 503);
      assert.match(locked.body.reason, /outbox cannot be written: .*database is locked/);
      other.exec("ROLLBACK");
      await until(async () => (await ready(h as Harness, "?role=relay")).code === 200, 5000, "ready again");
    } finally {
      other.close();
    }
  });

  test("when an unknown role is asked for, then 400 JSON", async () => {
    h = await startHarness();
    const res = await request(h.app.http).get("/readyz?role=everything").expect(400);
    assert.match((res.body as { error: { message: string } }).error.message, /role must be relay or feed/);
  });

  test("when the upstream error has token-like text, then unauthenticated pages show its reason code and status, not its text", async () => {
    h = await startHarness();
    const message = `Invalid\u0007 token\r\nApi-Token dt0c01.LEAKEDPUBLIC.leakedsecretpart ${"y".repeat(2000)}`;
    h.sim.injectFault(
      { kind: "status", status: 400, body: JSON.stringify({ error: { code: 400, message } }) },
      Number.POSITIVE_INFINITY,
    );
    await h.drain();
    const body = await ready(h, "?role=feed");
    assert.deepEqual(body.body.environments?.[0]?.lastError, { reason: "client_error", status: 400 });
    const page = (await request(h.app.http).get("/").expect(200)).text;
    assert.match(page, /<code>client_error<\/code> · HTTP 400/);
    for (const text of [JSON.stringify(body.body), page]) {
      assert.ok(!/leaked|Invalid|yyyy/i.test(text), "no upstream text at all");
    }
  });
});
