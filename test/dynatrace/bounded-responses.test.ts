import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { MAX_PAGE_BYTES } from "../../src/dynatrace/bounded-request.js";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import { DynatraceError } from "../../src/dynatrace/errors.js";
import { createLogger } from "../../src/log/logger.js";
import { value } from "../helpers/exposition.js";
import {
  FAKE_TOKEN,
  type FakeTenant,
  rssBytes,
  startFakeTenant,
  writeForever,
} from "../helpers/scripted-tenant.js";
import { LogCapture } from "../helpers/log-capture.js";
import { until } from "../helpers/wait.js";

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, "x");
const tenants: FakeTenant[] = [];
const clients: DynatraceClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(tenants.map((t) => t.close()));
});

async function tenant(handler: Parameters<typeof startFakeTenant>[0]): Promise<FakeTenant> {
  const t = await startFakeTenant(handler);
  tenants.push(t);
  return t;
}

function client(t: FakeTenant, timeoutMs = 60_000): DynatraceClient {
  const env = t.environment();
  const c = new DynatraceClient({
    address: env.address,
    token: FAKE_TOKEN,
    timeoutMs,
    userAgent: "test",
    backoff: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
  });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<DynatraceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DynatraceError, `not a DynatraceError: ${String(err)}`);
    return err;
  }
  assert.fail("the call succeeded");
}

const q = () => new URLSearchParams();

describe("bounded responses", () => {
  test("when a 2xx body never ends, then the call fails as response_too_large within seconds and RSS stays bounded", async () => {
    const t = await tenant((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      void writeForever(res, CHUNK);
    });
    global.gc?.();
    const before = rssBytes();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes())), 20);
    const started = Date.now();
    const err = await failure(client(t).getJson("v1_events", "/api/v1/events", q()));
    clearInterval(sampler);
    assert.equal(err.reason, "response_too_large");
    assert.equal(err.retryable, false, "a feed page that is too large is not retried within the drain");
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.ok(peak - before < 100 * MB, `RSS grew by ${Math.round((peak - before) / MB)} MB`);
    await until(() => t.abortedResponses === 1, 5000, "the server to see the connection dropped");
  });

  test("when a 200 MB body is sent chunked, then reading stops at the cap and the connection is dropped", async () => {
    const t = await tenant((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      void writeForever(res, CHUNK, 200 * MB);
    });
    const before = rssBytes();
    const err = await failure(client(t).getJson("v2_events", "/api/v2/events", q()));
    assert.equal(err.reason, "response_too_large");
    assert.match(err.message, new RegExp(`larger than ${MAX_PAGE_BYTES} bytes`));
    assert.ok(rssBytes() - before < 100 * MB);
    await until(() => t.abortedResponses === 1, 5000, "the server to see the connection dropped");
  });

  test("when a 200 MB body is announced by Content-Length, then the call fails before reading it", async () => {
    const t = await tenant((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(200 * MB) });
      void writeForever(res, CHUNK, 200 * MB);
    });
    const err = await failure(client(t).getJson("v2_events", "/api/v2/events", q()));
    assert.equal(err.reason, "response_too_large");
    await until(() => t.abortedResponses === 1, 5000, "the server to see the connection dropped");
  });

  test("when a body trickles one byte at a time, then the call fails at the overall deadline of twice the timeout", async () => {
    const t = await tenant(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      while (!res.destroyed) {
        res.write(" ");
        await sleep(100);
      }
    });
    const started = Date.now();
    const err = await failure(client(t, 1500).getJson("v1_events", "/api/v1/events", q()));
    const took = Date.now() - started;
    assert.equal(err.reason, "timeout");
    assert.equal(err.retryable, true);
    assert.match(err.message, /deadline 3000ms/);
    assert.ok(took >= 2900 && took < 7000, `took ${took} ms`);
  });

  test("when an error body never ends, then its first 64 KiB are read and the status is reported at once", async () => {
    const t = await tenant((_req, res) => {
      res.writeHead(503, { "content-type": "text/plain" });
      void writeForever(res, CHUNK);
    });
    const started = Date.now();
    const err = await failure(client(t).getJson("v1_events", "/api/v1/events", q()));
    assert.equal(err.reason, "server_error");
    assert.ok(Date.now() - started < 5000);
  });

  test("when a push is answered 2xx with an HTML page, then it is a retryable malformed_response", async () => {
    const t = await tenant((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Please log in to the captive portal</body></html>");
    });
    const err = await failure(client(t).postJson("v1_push", "/api/v1/events", "{}"));
    assert.equal(err.name, "DynatraceProtocolError");
    assert.equal(err.reason, "malformed_response");
    assert.equal(err.retryable, true);
  });

  test("when a push answer is larger than 1 MiB, then it is a retryable response_too_large", async () => {
    const t = await tenant((_req, res) => {
      res.writeHead(201, { "content-type": "application/json" });
      void writeForever(res, CHUNK, 2 * MB);
    });
    const err = await failure(client(t).postJson("v2_ingest", "/api/v2/events/ingest", "{}"));
    assert.equal(err.reason, "response_too_large");
    assert.equal(err.retryable, true);
  });

  test("when a feed page is answered 2xx with HTML, then it is a non-retryable malformed_response", async () => {
    const t = await tenant((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>proxy error</html>");
    });
    const err = await failure(client(t).getJson("v1_events", "/api/v1/events", q()));
    assert.equal(err.reason, "malformed_response");
    assert.equal(err.retryable, false);
    assert.equal(t.requests.length, 1);
  });

  test("when a drain meets a body that never ends, then the drain fails as response_too_large, dynatrace_up is 0 and the process lives", async () => {
    const t = await tenant((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      void writeForever(res, CHUNK);
    });
    const config = loadConfigFromEnv({
      DYNATRACE_URL: t.url,
      DYNATRACE_API_TOKEN: FAKE_TOKEN,
      DYNATRACE_ENVIRONMENT: "test",
      HOST: "127.0.0.1",
      PORT: "0",
    });
    const logs = new LogCapture();
    const app = createApp(config, { logger: createLogger("info", logs) });
    try {
      const before = rssBytes();
      assert.equal(await app.drainAll(), false);
      assert.ok(rssBytes() - before < 100 * MB);
      const text = (await app.metricsText(false)).body.toString();
      assert.equal(value(text, "dynatrace_up", { environment: "test" }), 0);
      assert.equal(
        value(text, "dynatrace_drain_errors_total", { environment: "test", reason: "response_too_large" }),
        1,
      );
      assert.equal(app.statuses()[0]?.lastError?.reason, "response_too_large");
    } finally {
      await app.stop();
    }
  });

  test("when a drain meets a trickling body, then each attempt fails as timeout at 2 x HTTP_TIMEOUT with dynatrace_up 0", async () => {
    const t = await tenant(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      while (!res.destroyed) {
        res.write(" ");
        await sleep(100);
      }
    });
    const config = loadConfigFromEnv({
      DYNATRACE_URL: t.url,
      DYNATRACE_API_TOKEN: FAKE_TOKEN,
      DYNATRACE_ENVIRONMENT: "test",
      HTTP_TIMEOUT: "1s",
      HOST: "127.0.0.1",
      PORT: "0",
    });
    const app = createApp(config, {
      logger: createLogger("info", new LogCapture()),
      backoff: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
    });
    try {
      const started = Date.now();
      assert.equal(await app.drainAll(), false);
      const took = Date.now() - started;
      assert.ok(took >= 3900 && took < 10_000, `two attempts of 2 s took ${took} ms`);
      assert.equal(t.requests.length, 2);
      const text = (await app.metricsText(false)).body.toString();
      assert.equal(value(text, "dynatrace_up", { environment: "test" }), 0);
      assert.equal(
        value(text, "dynatrace_drain_errors_total", { environment: "test", reason: "timeout" }),
        1,
      );
    } finally {
      await app.stop();
    }
  });
});
