import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { afterEach, describe, test } from "node:test";
import request from "supertest";
import { total, value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The sorted field paths of a 400 answer's constraintViolations. */
function violationPaths(body: unknown): string[] {
  const b = body as { error: { constraintViolations: { path: string }[] } };
  return b.error.constraintViolations.map((v) => v.path).sort();
}

const ALARM = { host: "web01", alarm: "cpu_usage", chart: "system.cpu", status: "CRITICAL", value: 97.5 };

describe("relay intake: auth and bad input", () => {
  test("when no token is configured, then the relay answers 401 saying how to configure it, and writes nothing", async () => {
    h = await startHarness();
    const res = await request(h.app.http).post("/api/v1/alarms").send(ALARM).expect(401);
    assert.match(res.body.error.message, /set RELAY_TOKENS \(or RELAY_ALLOW_ANONYMOUS=true\)/);
    assert.equal(h.app.relay.enabled, false);
  });

  for (const [name, header] of [
    ["Bearer", () => `Bearer ${h?.relayToken}`],
    ["netdata's Api-token casing", () => `Api-token ${h?.relayToken}`],
    ["API-TOKEN", () => `API-TOKEN ${h?.relayToken}`],
    ["basic auth password", () => `Basic ${Buffer.from(`alertmanager:${h?.relayToken}`).toString("base64")}`],
  ] as const) {
    test(`when the token comes as ${name}, then the alarm is accepted`, async () => {
      h = await startHarness({ relay: true });
      await request(h.app.http).post("/api/v1/alarms").set("Authorization", header()).send(ALARM).expect(202);
    });
  }

  test("when the token is missing or wrong, then 401 JSON with WWW-Authenticate, counted as rejected", async () => {
    h = await startHarness({ relay: true });
    const none = await request(h.app.http).post("/api/v1/alarms").send(ALARM).expect(401);
    assert.equal(none.body.error.code, 401);
    assert.match(none.headers["www-authenticate"] ?? "", /^Bearer/);
    await request(h.app.http)
      .post("/api/v1/alarms")
      .set("Authorization", "Bearer nope")
      .send(ALARM)
      .expect(401);
    const m = await h.scrape();
    assert.equal(
      value(m, "dynatrace_relay_received_total", {
        environment: "unknown",
        source: "native",
        outcome: "rejected",
      }),
      2,
      "refused before the target environment was known",
    );
  });

  test("when each class of bad input arrives, then each gets its 4xx with a JSON reason and nothing is queued", async () => {
    h = await startHarness({ relay: true });
    const { http } = h.app;
    const post = (path: string) => request(http).post(path).set("Authorization", `Bearer ${h?.relayToken}`);
    const wrongType = await post("/api/v1/alarms")
      .set("Content-Type", "text/plain")
      .send("host=web01")
      .expect(415);
    assert.match(wrongType.body.error.message, /application\/json/);
    const empty = await post("/api/v1/alarms").set("Content-Type", "application/json").send("").expect(400);
    assert.match(empty.body.error.message, /^invalid alarm: host/);
    const broken = await post("/api/v1/alarms")
      .set("Content-Type", "application/json")
      .send('{"host": "a"b"}')
      .expect(400);
    assert.equal(broken.body.error.code, 400);
    const invalid = await post("/api/v1/alarms")
      .send({ ...ALARM, status: "ON_FIRE", host: 5 })
      .expect(400);
    const paths = violationPaths(invalid.body);
    assert.deepEqual(paths, ["host", "status"]);
    const huge = { ...ALARM, info: "x".repeat(1_100_000) };
    await post("/api/v1/alarms").send(huge).expect(413);
    const unknownEnv = await post("/e/nowhere/api/v1/alarms").send(ALARM).expect(404);
    assert.match(unknownEnv.body.error.message, /unknown environment "nowhere" \(configured: test\)/);
    const v1Invalid = await post("/api/v1/events")
      .send({ eventType: "CUSTOM_INFO", source: "x", attachRules: {} })
      .expect(400);
    assert.deepEqual(violationPaths(v1Invalid.body), ["attachRules", "description"]);
    const am = await post("/api/v1/alertmanager")
      .send({ version: "3", status: "firing", alerts: [] })
      .expect(400);
    assert.match(am.body.error.message, /invalid Alertmanager webhook/);
    await post("/api/v1/alarms").send([]).expect(400);
    await post("/api/v1/alarms").send("null").set("Content-Type", "application/json").expect(400);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 0);
    assert.equal(total(m, "dynatrace_relay_received_total", { outcome: "accepted" }), 0);
  });

  test("when the queue is full, then the answer is 503 with Retry-After and the alarm is not lost silently", async () => {
    h = await startHarness({ relay: true, env: { RELAY_QUEUE_LIMIT: "2" } });
    const { http } = h.app;
    const post = (i: number) =>
      request(http)
        .post("/api/v1/alarms")
        .set("Authorization", `Bearer ${h?.relayToken}`)
        .send({ ...ALARM, alarm: `a${i}` });
    await post(1).expect(202);
    await post(2).expect(202);
    const full = await post(3).expect(503);
    assert.equal(full.headers["retry-after"], "30");
    assert.match(full.body.error.message, /queue for test is full/);
  });
});

describe("relay on the landing page", () => {
  test("when the relay is off, then the landing page says how to turn it on", async () => {
    h = await startHarness();
    const page = (await request(h.app.http).get("/").expect(200)).text;
    assert.match(page, /Off: set RELAY_TOKENS/);
  });

  test("when alarms are queued, then the landing page shows the queue and dead letters", async () => {
    h = await startHarness({ relay: true });
    await request(h.app.http)
      .post("/api/v1/alarms")
      .set("Authorization", `Bearer ${h.relayToken}`)
      .send(ALARM)
      .expect(202);
    const page = (await request(h.app.http).get("/").expect(200)).text;
    assert.match(
      page,
      /<th scope="row">test<\/th><td class="num">1<\/td><td><time datetime="\d{4}-\d\d-\d\dT[^"]+"[^>]*>\d+ s ago<\/time><\/td><td class="num">0<\/td><td class="num">0<\/td>/,
    );
    assert.ok(!page.includes(h.relayToken));
  });
});

describe("relay intake: failed authentication", () => {
  test("when one address fails auth 10 times, then its next failure gets 429 with Retry-After, the right token still passes", async () => {
    h = await startHarness({ relay: true });
    const { http } = h.app;
    for (let i = 0; i < 10; i++) {
      await request(http)
        .post("/api/v1/alarms")
        .set("Authorization", `Bearer guess-${i}`)
        .send(ALARM)
        .expect(401);
    }
    const blocked = await request(http)
      .post("/api/v1/alarms")
      .set("Authorization", "Bearer guess-10")
      .send(ALARM)
      .expect(429);
    await request(http)
      .post("/api/v1/alarms")
      .set("Authorization", `Bearer ${h.relayToken}`)
      .send(ALARM)
      .expect(202);
    assert.ok(Number(blocked.headers["retry-after"]) >= 1);
    assert.match(blocked.body.error.message, /too many failed authentication attempts/);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_auth_failures_total"), 11);
    assert.ok(
      !h.logs.text.includes(h.relayToken) && !m.includes(h.relayToken),
      "the relay token leaks nowhere",
    );
  });
});

describe("relay intake without a body", () => {
  test("when a JSON post carries no body at all, then it gets 400 saying so, not 415", async () => {
    const harness = await startHarness({ relay: true });
    try {
      const base = await harness.start();
      const { port } = new URL(base);
      const socket = connect(Number(port), "127.0.0.1");
      socket.write(
        `POST /api/v1/alarms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${harness.relayToken}\r\n` +
          "Content-Type: application/json\r\nConnection: close\r\n\r\n",
      );
      let answer = "";
      socket.on("data", (d: Buffer) => (answer += d.toString()));
      await once(socket, "close");
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.match(answer, /the request has no body: send the alarm as JSON/);
    } finally {
      await harness.close();
    }
  });
});
