import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";
import { runCli } from "../helpers/cli.js";

const ADMIN = "admin-token-for-dead-letters";

/** Runs `dynatrace-events-exporter dead-letters ...` as a separate process. */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(["dead-letters", ...args], env);

/** The answer of a tenant that refuses the alarm itself: Dynatrace's constraint violations. */
const VIOLATION = {
  kind: "status" as const,
  status: 400,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    error: {
      code: 400,
      message: "Constraints violated.",
      constraintViolations: [
        { path: "title", message: "must not be blank", parameterLocation: "PAYLOAD_BODY", location: null },
      ],
    },
  }),
};

describe("dead letters", () => {
  let h: Harness;
  let base: string;
  before(async () => {
    // A generous timeout: on a loaded machine a timed-out push that did arrive would be sent twice.
    h = await startHarness({
      relay: true,
      realClock: true,
      env: { ADMIN_TOKENS: ADMIN, HTTP_TIMEOUT: "10s" },
    });
    base = await h.start();
  });
  after(() => h.close());

  async function api(method: string, path: string, body?: unknown, token: string | null = ADMIN) {
    const res = await request(`${base}${path}`, {
      method: method as "GET",
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  }

  const deliveredCount = (name: string) =>
    h.sim.pushed.filter((p) => (p.customProperties as Record<string, string> | undefined)?.alarm === name)
      .length;
  const deadCount = () => h.app.relay.summary()?.[0]?.deadLetters ?? -1;
  const queued = () => h.app.relay.summary()?.[0]?.queued ?? -1;

  /** Posts an alarm while the tenant refuses it with constraint violations; waits for its dead letter. */
  async function deadLetter(name: string): Promise<void> {
    const before = deadCount();
    h.sim.injectFault(VIOLATION, 1, "push");
    const res = await api(
      "POST",
      "/api/v1/alarms",
      { host: "web01", chart: "cpu", alarm: name, status: "WARNING" },
      h.relayToken,
    );
    assert.equal(res.status, 202);
    await until(() => deadCount() === before + 1, 15_000, `${name} dead-lettered`);
    assert.equal(deliveredCount(name), 0);
  }

  /** Waits until the alarm reached the tenant and left the outbox, then checks it went once. */
  async function deliveredOnce(name: string): Promise<void> {
    await until(() => deliveredCount(name) >= 1, 15_000, `${name} delivered`);
    await until(
      () => queued() === 0 && h.app.relay.summary()?.[0]?.oldestCreatedAt === undefined,
      15_000,
      "queue empty",
    );
    assert.equal(deliveredCount(name), 1, `${name} delivered exactly once`);
  }

  test("when a dead letter is replayed by the CLI while the server runs, then the server counts it and delivers it once", async () => {
    await deadLetter("cli-replayed");
    const listed = await cli(["list", "--json", "--data-dir", h.dataDir]);
    assert.equal(listed.code, 0, listed.stderr);
    const list = JSON.parse(listed.stdout) as { total: number; deadLetters: Record<string, unknown>[] };
    assert.equal(list.total, 1);
    // The reason's name belongs to the client (client_error today); the verdict is in the error.
    assert.equal(typeof list.deadLetters[0]?.reason, "string");
    assert.match(String(list.deadLetters[0]?.error), /Constraints violated/);
    const table = await cli(["list", "--data-dir", h.dataDir]);
    assert.match(table.stdout, /^ID\s+ENVIRONMENT\s+SOURCE\s+REASON\s+ATTEMPTS\s+FAILED AT\s+ERROR\n/);
    assert.match(table.stdout, /\btest\s+native\s+\w+\s+1\s+20\d\d-\S+\s+.*Constraints violated/);

    // The tenant still refuses everything for now: the replayed alarm must show in the depth.
    h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    const replay = await cli(["replay", "--environment", "test", "--data-dir", h.dataDir]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(replay.stdout, "replayed 1\n");
    assert.match(replay.stderr, /"msg":"dead letters replayed"/);
    assert.match(replay.stderr, /"via":"cli"/);
    await until(() => queued() === 1, 5000, "the server sees the replayed alarm in its queue depth");
    assert.equal(deadCount(), 0);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 1);

    h.sim.faults.clear();
    await deliveredOnce("cli-replayed");
  });

  test("when a dead letter is replayed over HTTP, then it is counted, logged and delivered once", async () => {
    await deadLetter("http-replayed");
    const res = await api("POST", "/-/dead-letters/replay", { environment: "test" });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { replayed: 1, environments: { test: 1 } });
    await deliveredOnce("http-replayed");
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_dead_letters_replayed_total", { environment: "test" }), 1);
    assert.equal(h.logs.find("dead letters replayed").length, 1);
  });

  test("when dead letters are listed, shown and purged with filters, then each filter narrows as documented", async () => {
    await deadLetter("old-one");
    const between = new Date().toISOString();
    await until(() => Date.now() > Date.parse(between), 1000);
    await deadLetter("new-one");
    const all = await api("GET", "/-/dead-letters");
    assert.equal(all.status, 200);
    assert.equal(all.body.total, 2);
    const items = all.body.deadLetters as { id: number; environment: string }[];
    const [oldId, newId] = items.map((d) => d.id);
    const since = await api("GET", `/-/dead-letters?since=${encodeURIComponent(between)}`);
    assert.deepEqual(
      (since.body.deadLetters as { id: number }[]).map((d) => d.id),
      [newId],
    );
    assert.equal((await api("GET", "/-/dead-letters?since=1h")).body.total, 2);
    assert.equal((await api("GET", "/-/dead-letters?environment=elsewhere")).body.total, 0);
    assert.equal((await api("GET", `/-/dead-letters?id=${oldId}`)).body.total, 1);
    assert.equal(((await api("GET", "/-/dead-letters?limit=1")).body.deadLetters as unknown[]).length, 1);

    const shown = await api("GET", `/-/dead-letters/${oldId}`);
    assert.equal(shown.status, 200);
    assert.match(String(shown.body.payload), /old-one/);
    assert.equal((await api("GET", "/-/dead-letters/999999")).status, 404);
    for (const bad of [
      "/-/dead-letters/abc",
      "/-/dead-letters?since=yesterday",
      "/-/dead-letters?id=-1",
      "/-/dead-letters?limit=0",
    ]) {
      const r = await api("GET", bad);
      assert.equal(r.status, 400, bad);
      assert.equal((r.body.error as { code: number }).code, 400);
    }
    const shownByCli = await cli(["show", "--id", String(newId), "--data-dir", h.dataDir]);
    assert.equal(shownByCli.code, 0);
    assert.match(shownByCli.stdout, /payload:\n\{\n[^]*new-one/);

    const refused = await api("POST", "/-/dead-letters/purge", {});
    assert.equal(refused.status, 400);
    const purged = await api("POST", "/-/dead-letters/purge", { id: oldId });
    assert.deepEqual(purged.body, { purged: 1, environments: { test: 1 } });
    const cliPurged = await cli(["purge", "--all", "--data-dir", h.dataDir]);
    assert.equal(cliPurged.stdout, "purged 1\n");
    assert.equal((await api("GET", "/-/dead-letters")).body.total, 0);
    const m = await h.scrape();
    assert.equal(
      value(m, "dynatrace_relay_dead_letters_purged_total", { environment: "test" }),
      1,
      "the CLI's purge is not the server's",
    );
    assert.equal(deliveredCount("old-one") + deliveredCount("new-one"), 0);
  });

  test("when an admin request has no or a wrong token, then it is refused with 401 and nothing changes", async () => {
    await deadLetter("guarded");
    for (const token of [null, "wrong-token"]) {
      assert.equal((await api("GET", "/-/dead-letters", undefined, token)).status, 401);
      assert.equal((await api("POST", "/-/dead-letters/replay", {}, token)).status, 401);
      assert.equal((await api("POST", "/-/dead-letters/purge", { all: true }, token)).status, 401);
    }
    assert.equal(deadCount(), 1);
    await api("POST", "/-/dead-letters/purge", { all: true });
  });

  test("when ADMIN_TOKENS is not set, then the dead-letter endpoints answer 403", async () => {
    const off = await startHarness({ relay: true, realClock: true });
    try {
      const url = await off.start();
      const res = await request(`${url}/-/dead-letters`, {
        headers: { authorization: `Bearer ${off.relayToken}` },
      });
      assert.equal(res.statusCode, 403);
      assert.match(JSON.stringify(await res.body.json()), /ADMIN_TOKENS/);
    } finally {
      await off.close();
    }
  });
});
