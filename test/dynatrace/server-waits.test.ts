import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { MAX_SERVER_WAIT_MS, parseServerWait } from "../../src/dynatrace/backoff.js";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import { DynatraceHttpError } from "../../src/dynatrace/errors.js";
import { createLogger } from "../../src/log/logger.js";
import { FAKE_TOKEN, type FakeTenant, startFakeTenant } from "../helpers/scripted-tenant.js";
import { startHarness } from "../helpers/harness.js";
import { LogCapture } from "../helpers/log-capture.js";
import { until } from "../helpers/wait.js";

const NOW = Date.parse("2026-11-01T12:00:00Z");
const YEARS_AHEAD = new Date(NOW + 5 * 365 * 24 * 3600_000).toUTCString();
const tenants: FakeTenant[] = [];
after(() => Promise.all(tenants.map((t) => t.close())));

/** Header values a hostile or broken server may send, and the wait each must give. */
const CASES: { name: string; headers: Record<string, string>; wait: number | undefined; capped?: boolean }[] =
  [
    {
      name: "Retry-After 10^12 s",
      headers: { "retry-after": "1000000000000" },
      wait: MAX_SERVER_WAIT_MS,
      capped: true,
    },
    {
      name: "Retry-After 2^31 s",
      headers: { "retry-after": "2147483648" },
      wait: MAX_SERVER_WAIT_MS,
      capped: true,
    },
    { name: "Retry-After 1e12 (not delta-seconds)", headers: { "retry-after": "1e12" }, wait: undefined },
    { name: "Retry-After -5", headers: { "retry-after": "-5" }, wait: undefined },
    { name: "Retry-After garbage", headers: { "retry-after": "garbage" }, wait: undefined },
    { name: "Retry-After NaN", headers: { "retry-after": "NaN" }, wait: undefined },
    {
      name: "Retry-After a date years ahead",
      headers: { "retry-after": YEARS_AHEAD },
      wait: MAX_SERVER_WAIT_MS,
      capped: true,
    },
    {
      name: "Retry-After a date in the past",
      headers: { "retry-after": new Date(NOW - 60_000).toUTCString() },
      wait: 0,
    },
    { name: "Retry-After 1.5 s", headers: { "retry-after": "1.5" }, wait: 1500 },
    {
      name: "X-RateLimit-Reset of 24 digits",
      headers: { "x-ratelimit-reset": "9".repeat(24) },
      wait: MAX_SERVER_WAIT_MS,
      capped: true,
    },
    { name: "X-RateLimit-Reset 30 (seconds from now)", headers: { "x-ratelimit-reset": "30" }, wait: 30_000 },
    { name: "X-RateLimit-Reset -1", headers: { "x-ratelimit-reset": "-1" }, wait: undefined },
  ];

describe("server-requested waits", () => {
  for (const c of CASES) {
    test(`when the server sends ${c.name}, then the wait is ${c.wait ?? "not the server's"}`, () => {
      const wait = parseServerWait(c.headers, NOW);
      assert.equal(wait?.ms, c.wait);
      if (wait) {
        assert.equal(wait.capped, c.capped ?? false);
        assert.ok(wait.ms >= 0 && wait.ms <= MAX_SERVER_WAIT_MS && wait.ms < 2 ** 31 - 1);
      }
    });
  }

  test("when a 429 asks for 2^31 s, then the client fails at once with a wait of 1 h and says so", async () => {
    const t = await startFakeTenant((_req, res) => {
      res.writeHead(429, { "retry-after": "2147483648", "content-type": "application/json" });
      res.end('{"error":{"code":429,"message":"Too many requests."}}');
    });
    tenants.push(t);
    const client = new DynatraceClient({
      address: t.environment().address,
      token: FAKE_TOKEN,
      timeoutMs: 5000,
      userAgent: "t",
    });
    try {
      const err = await client
        .getJson("v1_events", "/api/v1/events", new URLSearchParams())
        .catch((e: unknown) => e);
      assert.ok(err instanceof DynatraceHttpError);
      assert.equal(err.retryAfterMs, MAX_SERVER_WAIT_MS);
      assert.equal(err.retryAfterCapped, true);
      assert.match(err.message, /trying again in 1 h/);
      assert.equal(t.requests.length, 1);
    } finally {
      await client.close();
    }
  });

  test("when the feed is answered 429 with absurd or garbage waits, then each drain loop makes a bounded number of requests per second", async () => {
    const values = ["1000000000000", "1e12", "2147483648", "-5", "garbage", YEARS_AHEAD];
    const apps = await Promise.all(
      values.map(async (retryAfter) => {
        const t = await startFakeTenant((_req, res) => {
          res.writeHead(429, { "retry-after": retryAfter, "content-type": "application/json" });
          res.end('{"error":{"code":429,"message":"Too many requests.","constraintViolations":null}}');
        });
        tenants.push(t);
        const config = loadConfigFromEnv({
          DYNATRACE_URL: t.url,
          DYNATRACE_API_TOKEN: FAKE_TOKEN,
          DRAIN_INTERVAL: "1s",
          HOST: "127.0.0.1",
          PORT: "0",
        });
        const app = createApp(config, { logger: createLogger("warn", new LogCapture()) });
        return { t, app, retryAfter };
      }),
    );
    try {
      await Promise.all(apps.map((a) => a.app.start()));
      // A rate needs a span of time: before the cap, the overflowing waits made ~400 requests/s.
      await sleep(3000);
      for (const { t, retryAfter } of apps) {
        const usable = !["1e12", "-5", "garbage"].includes(retryAfter);
        const budget = usable ? 1 : 8;
        assert.ok(
          t.requests.length >= 1 && t.requests.length <= budget,
          `${retryAfter}: ${t.requests.length} requests in 3 s`,
        );
      }
    } finally {
      await Promise.all(apps.map((a) => a.app.stop()));
    }
  });

  test("when a push is answered 429 with Retry-After 2^31 s, then the relay waits instead of spinning", async () => {
    const h = await startHarness({ relay: true, realClock: true });
    try {
      h.sim.injectFault(
        { kind: "status", status: 429, headers: { "retry-after": "2147483648" } },
        Number.POSITIVE_INFINITY,
        "push",
      );
      const base = await h.start();
      const res = await request(`${base}/api/v1/alarms`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
        body: JSON.stringify({ host: "web01", alarm: "cpu", chart: "system.cpu", status: "CRITICAL" }),
      });
      assert.equal(res.statusCode, 202);
      await res.body.dump();
      const pushes = () => h.sim.requests.filter((r) => r.method === "POST").length;
      await until(() => pushes() >= 1, 5000, "the first push");
      await sleep(2000);
      assert.equal(pushes(), 1, "one push, then a wait of 1 h");
    } finally {
      await h.close();
    }
  });
});
