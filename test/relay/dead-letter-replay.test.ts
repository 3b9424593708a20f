import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import Database from "better-sqlite3";
import { request } from "undici";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

const ADMIN = "admin-token-for-replays";

/** A tenant's verdict about one alarm: it is dead-lettered at once. */
const VIOLATION = {
  kind: "status" as const,
  status: 400,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ error: { code: 400, message: "Constraints violated.", constraintViolations: [] } }),
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function post(base: string, path: string, token: string, body: unknown): Promise<number> {
  const res = await request(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.body.dump();
  return res.statusCode;
}

/** The queued rows of the outbox file, read through a connection of the test's own. */
function queuedRows(dataDir: string): { dedupe_key: string; identity: string | null }[] {
  const db = new Database(join(dataDir, "relay-outbox.sqlite"), { readonly: true });
  try {
    return db.prepare("SELECT dedupe_key, identity FROM outbox ORDER BY id").all() as {
      dedupe_key: string;
      identity: string | null;
    }[];
  } finally {
    db.close();
  }
}

describe("dead-letter replay", () => {
  test("when a dead letter is replayed, then it keeps its delivery identity (ordered with later alarms of the same alert)", async () => {
    h = await startHarness({
      relay: true,
      realClock: true,
      env: { ADMIN_TOKENS: ADMIN, HTTP_TIMEOUT: "10s" },
    });
    const base = await h.start();
    const dead = () => h?.app.relay.summary()?.[0]?.deadLetters ?? -1;
    const alarm = { host: "web01", chart: "cpu", alarm: "replayed" };
    h.sim.injectFault(VIOLATION, 1, "push");
    assert.equal(await post(base, "/api/v1/alarms", h.relayToken, { ...alarm, status: "WARNING" }), 202);
    await until(() => dead() === 1, 15_000, "the alarm dead-lettered");
    // The tenant is down now: the next alarm of the same alert and the replayed one wait, side by side.
    h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    assert.equal(await post(base, "/api/v1/alarms", h.relayToken, { ...alarm, status: "CRITICAL" }), 202);
    assert.equal(await post(base, "/-/dead-letters/replay", ADMIN, { environment: "test" }), 200);
    const rows = queuedRows(h.dataDir);
    assert.equal(rows.length, 2);
    const [later, replayed] = rows;
    assert.ok(later?.identity && replayed, "both queued");
    assert.notEqual(replayed.identity, replayed.dedupe_key, "the replay kept the alert's identity");
    assert.equal(replayed.identity, later.identity);
  });
});
