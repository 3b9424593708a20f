import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import request from "supertest";
import { request as undiciRequest } from "undici";
import { value } from "../helpers/exposition.js";
import { PushTenant, type TenantAnswer } from "../helpers/push-tenant.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** An exporter whose only environment is a fake tenant; relay on, real clock. */
async function setup(env: Record<string, string> = {}): Promise<{ h: Harness; t: PushTenant; base: string }> {
  const t = new PushTenant();
  await t.listen();
  cleanup.push(() => t.close());
  const h = await startHarness({ relay: true, realClock: true, env: { DYNATRACE_URL: t.url, ...env } });
  cleanup.push(() => h.close());
  return { h, t, base: await h.start() };
}

async function post(base: string, token: string, body: unknown, path = "/api/v1/alarms"): Promise<number> {
  const res = await undiciRequest(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.body.dump();
  return res.statusCode;
}

const alarm = (name: string, time = 1) => ({
  host: "web01",
  chart: "system.cpu",
  alarm: name,
  status: "WARNING",
  time,
});

async function metric(h: Harness, name: string, labels: Record<string, string> = { environment: "test" }) {
  return value(await h.scrape(), name, labels);
}

const ENVIRONMENT_LEVEL: { name: string; answer: TenantAnswer; reason: string }[] = [
  {
    name: "401",
    answer: { status: 401, body: '{"error":{"code":401,"message":"Token Authentication failed"}}' },
    reason: "unauthorized",
  },
  {
    name: "403",
    answer: { status: 403, body: '{"error":{"code":403,"message":"Token is missing required scope"}}' },
    reason: "forbidden",
  },
  { name: "404", answer: { status: 404, body: "<html>Not Found</html>" }, reason: "client_error" },
  {
    name: "407 from a proxy",
    answer: { status: 407, body: "Proxy Authentication Required" },
    reason: "client_error",
  },
  { name: "503", answer: { status: 503, body: "<html>Service Unavailable</html>" }, reason: "server_error" },
  {
    name: "a socket closed without an answer (a TLS or proxy failure)",
    answer: { close: true },
    reason: "network",
  },
];

describe("relay delivery: environment-level failures never dead-letter", () => {
  for (const c of ENVIRONMENT_LEVEL) {
    test(`when pushes fail with ${c.name}, then nothing is dead-lettered, upstream_up goes 0 then 1, and every alarm is delivered once`, async () => {
      const { h, t, base } = await setup();
      let broken = true;
      t.script = () => (broken ? c.answer : undefined);
      for (let i = 0; i < 5; i++) assert.equal(await post(base, h.relayToken, alarm(`e${i}`)), 202);
      await until(async () => (await metric(h, "dynatrace_relay_upstream_up")) === 0, 5000, "upstream_up 0");
      await until(() => t.pushes >= 3, 5000, "retried while refused");
      const page = (await request(h.app.http).get("/").expect(200)).text;
      assert.match(page, new RegExp(`refusing since [^<]*\\(${c.reason}\\)`));
      assert.equal(await metric(h, "dynatrace_relay_dead_letters_total"), 0);
      broken = false;
      await until(() => t.accepted.length === 5, 10_000, "all delivered");
      const names = t.accepted.map((b) => (b.customProperties as Record<string, string>).alarm).sort();
      assert.deepEqual(names, ["e0", "e1", "e2", "e3", "e4"]);
      const m = await h.scrape();
      assert.equal(value(m, "dynatrace_relay_upstream_up", { environment: "test" }), 1);
      assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
      assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 0);
      assert.ok(
        value(m, "dynatrace_relay_delivery_failures_total", { environment: "test", reason: c.reason }) >= 1,
      );
      const downLogs = h.logs.text.split("\n").filter((l) => l.includes("relay upstream refusing alarms"));
      assert.equal(downLogs.length, 1, "one log line per state change, not per attempt");
      assert.ok(!h.logs.text.includes(h.sim.token), "the token never appears in a log");
    });
  }

  test("when the tenant refuses connections, then alarms wait, upstream_up is 0, and all are delivered once it listens again", async () => {
    const { h, t, base } = await setup();
    const port = Number(new URL(t.url).port);
    await t.close();
    for (let i = 0; i < 4; i++) assert.equal(await post(base, h.relayToken, alarm(`c${i}`)), 202);
    await until(async () => (await metric(h, "dynatrace_relay_upstream_up")) === 0, 5000, "upstream_up 0");
    assert.equal(await metric(h, "dynatrace_relay_dead_letters_total"), 0);
    await t.listen(port);
    await until(() => t.accepted.length === 4, 10_000, "all delivered");
    assert.equal(await metric(h, "dynatrace_relay_upstream_up"), 1);
    assert.equal(await metric(h, "dynatrace_relay_queue_depth"), 0);
  });

  test("when Retry-After is beyond what a timer can hold, then the environment waits (capped) instead of spinning", async () => {
    const { h, t, base } = await setup();
    t.script = () => ({ status: 429, body: "{}", headers: { "retry-after": "99999999999" } });
    assert.equal(await post(base, h.relayToken, alarm("w")), 202);
    await until(() => t.pushes === 1, 5000, "first attempt");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(t.pushes, 1, "no retry before the (capped) server wait");
    assert.equal(await metric(h, "dynatrace_relay_upstream_up"), 0);
    assert.equal(await metric(h, "dynatrace_relay_queue_depth"), 1);
    assert.equal(await metric(h, "dynatrace_relay_dead_letters_total"), 0);
  });
});

describe("relay delivery: delivered means Dynatrace said so", () => {
  const NOT_DOCUMENTED: { name: string; api: "v1" | "v2"; answer: TenantAnswer }[] = [
    {
      name: "a v1 200 with an HTML page",
      api: "v1",
      answer: { status: 200, body: "<html><body>Captive portal</body></html>" },
    },
    { name: "a v1 200 with {}", api: "v1", answer: { status: 200, body: "{}" } },
    {
      name: "a v1 200 whose storedEventIds is not an array",
      api: "v1",
      answer: { status: 200, body: '{"storedEventIds":"1"}' },
    },
    { name: "a v2 201 with an HTML page", api: "v2", answer: { status: 201, body: "<html>proxy</html>" } },
    { name: "a v2 201 with no results", api: "v2", answer: { status: 201, body: '{"reportCount":1}' } },
    {
      name: "a v2 201 whose status is not a string",
      api: "v2",
      answer: { status: 201, body: '{"eventIngestResults":[{"status":1}]}' },
    },
  ];
  for (const c of NOT_DOCUMENTED) {
    test(`when a push is answered with ${c.name}, then it is retried and delivered exactly once after the tenant recovers`, async () => {
      const { h, t, base } = await setup({ RELAY_API_VERSION: c.api, RELAY_TAG: "hosts" });
      t.script = (_body, n) => (n <= 3 ? c.answer : undefined);
      assert.equal(await post(base, h.relayToken, alarm("html")), 202);
      await until(() => t.accepted.length === 1, 10_000, "delivered after recovery");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(t.accepted.length, 1, "delivered exactly once");
      assert.equal(t.pushes, 4);
      const m = await h.scrape();
      assert.equal(value(m, "dynatrace_relay_delivered_total", { environment: "test" }), 1);
      assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
      assert.equal(
        value(m, "dynatrace_relay_delivery_failures_total", {
          environment: "test",
          reason: "malformed_response",
        }),
        3,
      );
      assert.equal(value(m, "dynatrace_relay_upstream_up", { environment: "test" }), 1);
    });
  }
});

describe("relay delivery: verdicts about one alarm dead-letter it", () => {
  const VERDICTS: { name: string; answer: TenantAnswer }[] = [
    {
      name: "400 with constraint violations",
      answer: {
        status: 400,
        body: '{"error":{"code":400,"message":"Constraints violated.","constraintViolations":[{"path":"title","message":"must not be null","parameterLocation":"PAYLOAD_BODY","location":null}]}}',
      },
    },
    {
      name: "400 without violations",
      answer: { status: 400, body: '{"error":{"code":400,"message":"Bad request"}}' },
    },
    { name: "413", answer: { status: 413, body: '{"error":{"code":413,"message":"Payload too large"}}' } },
  ];
  for (const c of VERDICTS) {
    test(`when a push is answered ${c.name}, then that alarm is dead-lettered and the next one of the same alarm goes through`, async () => {
      const { h, t, base } = await setup();
      t.script = (body) =>
        (body.customProperties as Record<string, string>).time === "1" ? c.answer : undefined;
      assert.equal(await post(base, h.relayToken, alarm("v", 1)), 202);
      assert.equal(await post(base, h.relayToken, alarm("v", 2)), 202);
      await until(() => t.accepted.length === 1, 5000, "second delivered");
      assert.equal((t.accepted[0]?.customProperties as Record<string, string>).time, "2");
      const m = await h.scrape();
      assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 1);
      assert.equal(value(m, "dynatrace_relay_upstream_up", { environment: "test" }), 1);
      assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 0);
      assert.equal(t.pushes, 2, "a verdict is not retried");
    });
  }
});
