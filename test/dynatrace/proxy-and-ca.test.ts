import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import request from "supertest";
import { request as undiciRequest } from "undici";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { maskConfig } from "../../src/config/mask.js";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { value } from "../helpers/exposition.js";
import { type ForwardProxy, startTinyproxy } from "../helpers/forward-proxy.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { skipWithout } from "../helpers/programs.js";
import { freePort } from "../helpers/real-programs.js";
import { makePki, startTlsFront, type TestPki, type TlsFront } from "../helpers/tls-tenant.js";
import { failureOf } from "../helpers/scripted-tenant.js";
import { until } from "../helpers/wait.js";

const PROXY_USER = "alice";
const PROXY_PASSWORD = "pr0xy-s3cret-pw";
let proxy: ForwardProxy;
let pki: TestPki;
let sim: SimulatedDynatrace;
let front: TlsFront;
const needsOpenssl = skipWithout("openssl");
const needsTinyproxy = skipWithout("tinyproxy", "openssl");

before(async () => {
  sim = new SimulatedDynatrace();
  await sim.listen();
});

/** The throw-away CA and the TLS front, made once by whichever suite needs them first (openssl). */
async function ensureTlsFront(): Promise<void> {
  if (pki) return;
  pki = makePki();
  front = await startTlsFront(pki, sim.url);
}

after(async () => {
  await front?.close();
  await sim?.close();
  pki?.remove();
  await proxy?.stop();
});

const authed = () => `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`;
const port = (url: string) => new URL(url).port;

async function withHarness(
  options: Parameters<typeof startHarness>[0],
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await startHarness(options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

function client(url: string, extra: { proxy?: string; ca?: string } = {}): DynatraceClient {
  const env = loadConfigFromEnv({ DYNATRACE_URL: url, DYNATRACE_API_TOKEN: sim.token }).environments[0];
  assert.ok(env);
  return new DynatraceClient({
    address: env.address,
    token: sim.token,
    timeoutMs: 5000,
    userAgent: "t",
    backoff: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    ...extra,
  });
}

describe("outbound proxy", { skip: needsTinyproxy }, () => {
  // Each suite starts what it needs, so a missing program fails (under CI) with its own name.
  before(async () => {
    proxy = await startTinyproxy({ user: PROXY_USER, password: PROXY_PASSWORD });
    await ensureTlsFront();
  });
  test("when HTTP_PROXY is set, then feed drains and relayed pushes go through it and its credentials appear nowhere", async () => {
    await withHarness(
      { relay: true, realClock: true, env: { HTTP_PROXY: authed(), HTTP_TIMEOUT: "5s" } },
      async (h) => {
        assert.equal(await h.drain(), true);
        const base = await h.start();
        const res = await undiciRequest(`${base}/api/v1/alarms`, {
          method: "POST",
          headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
          body: JSON.stringify({ host: "web01", alarm: "cpu", chart: "system.cpu", status: "CRITICAL" }),
        });
        assert.equal(res.statusCode, 202);
        await res.body.dump();
        await until(() => h.sim.pushed.length === 1, 10_000, "the push");
        const simPort = port(h.sim.url);
        const viaProxy = () => proxy.relayed().filter((r) => r.includes(`//127.0.0.1:${simPort}/`));
        await until(
          () => viaProxy().length >= h.sim.requests.length,
          5000,
          "every request in the proxy's log",
        );
        assert.ok(
          viaProxy().some((r) => r.startsWith("GET ") && r.includes("/api/v1/events")),
          "a feed page",
        );
        assert.ok(
          viaProxy().some((r) => r.startsWith("POST ") && r.includes("/api/v1/events")),
          "a push",
        );
        const landing = await request(h.app.http).get("/");
        const printed = JSON.stringify(
          maskConfig(
            loadConfigFromEnv({
              DYNATRACE_URL: h.sim.url,
              DYNATRACE_API_TOKEN: "x".repeat(20),
              HTTP_PROXY: authed(),
            }),
          ),
        );
        assert.match(printed, new RegExp(`"proxy":"http://<redacted>@127.0.0.1:${proxy.port}"`));
        for (const text of [h.logs.text, landing.text, printed, await h.scrape()]) {
          assert.ok(!text.includes(PROXY_PASSWORD), "the proxy password leaked");
        }
      },
    );
  });

  test("when NO_PROXY lists 127.0.0.1, then requests go direct and the proxy relays none", async () => {
    await withHarness({ env: { HTTP_PROXY: authed(), no_proxy: "localhost, 127.0.0.1" } }, async (h) => {
      assert.equal(await h.drain(), true);
      assert.equal(proxy.relayed().filter((r) => r.includes(`:${port(h.sim.url)}/`)).length, 0);
    });
  });

  test("when the tenant is HTTPS behind the proxy, then drains tunnel with CONNECT and trust DYNATRACE_CA_FILE", async () => {
    const env = {
      DYNATRACE_URL: front.url,
      DYNATRACE_API_TOKEN: sim.token,
      HTTPS_PROXY: authed(),
      DYNATRACE_CA_FILE: pki.caFile,
      HTTP_TIMEOUT: "5s",
    };
    await withHarness({ env }, async (h) => {
      const tunnels = () =>
        proxy.relayed().filter((r) => r === `CONNECT 127.0.0.1:${port(front.url)}`).length;
      const before = tunnels();
      assert.equal(await h.drain(), true);
      await until(() => tunnels() > before, 5000, "a CONNECT in the proxy's log");
    });
  });

  test("when the proxy wants credentials and gets none, then the failure is a retryable proxy 407, for HTTPS and HTTP", async () => {
    const https = await failureOf(client(front.url, { proxy: proxy.url, ca: readCa() }), "get");
    assert.equal(https.name, "DynatraceNetworkError");
    assert.equal(https.reason, "proxy");
    assert.match(https.message, /\(proxy 407\)/);
    assert.equal(https.retryable, true);
    const http = await failureOf(client(sim.url, { proxy: proxy.url }), "post");
    assert.equal(http.reason, "proxy");
    assert.match(http.message, /\(proxy 407\)/);
    assert.equal(http.retryable, true);
  });

  test("when the proxy cannot reach the tenant, then the failure is a retryable proxy error naming its status", async () => {
    const closed = `https://127.0.0.1:${await freePort()}`;
    const err = await failureOf(client(closed, { proxy: authed() }), "get");
    assert.equal(err.reason, "proxy");
    assert.match(err.message, /\(proxy 5\d\d\)/);
    assert.equal(err.retryable, true);
    assert.ok(!err.message.includes(PROXY_PASSWORD));
  });

  test("when the proxy itself is down, then the failure is proxy (ECONNREFUSED)", async () => {
    const down = `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${await freePort()}`;
    const err = await failureOf(client(front.url, { proxy: down }), "post");
    assert.equal(err.reason, "proxy");
    assert.match(err.message, /\(proxy ECONNREFUSED\)/);
    assert.equal(err.retryable, true);
  });
});

function readCa(): string {
  return readFileSync(pki.caFile, "utf8");
}

describe("internal CA", { skip: needsOpenssl }, () => {
  before(ensureTlsFront);
  test("when the tenant's certificate is from an unknown CA, then drains fail as tls with dynatrace_up 0, and DYNATRACE_CA_FILE fixes it", async () => {
    await withHarness(
      { env: { DYNATRACE_URL: front.url, DYNATRACE_API_TOKEN: sim.token, HTTP_TIMEOUT: "5s" } },
      async (h) => {
        assert.equal(await h.drain(), false);
        const error = h.app.statuses()[0]?.lastError;
        assert.equal(error?.reason, "tls");
        assert.match(error?.message ?? "", /\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)/);
        const text = await h.scrape();
        assert.equal(value(text, "dynatrace_up", { environment: "test" }), 0);
        assert.equal(value(text, "dynatrace_drain_errors_total", { environment: "test", reason: "tls" }), 1);
      },
    );
    await withHarness(
      {
        env: {
          DYNATRACE_URL: front.url,
          DYNATRACE_API_TOKEN: sim.token,
          DYNATRACE_CA_FILE: pki.caFile,
          HTTP_TIMEOUT: "5s",
        },
      },
      async (h) => {
        assert.equal(await h.drain(), true);
        assert.equal(value(await h.scrape(), "dynatrace_up", { environment: "test" }), 1);
      },
    );
  });

  test("when a push meets an unknown CA, then the attempt is a retryable tls failure", async () => {
    const err = await failureOf(client(front.url), "post");
    assert.equal(err.name, "DynatraceNetworkError");
    assert.equal(err.reason, "tls");
    assert.equal(err.retryable, true);
  });

  test("when nothing listens at the tenant's address, then the failure is a retryable network error (ECONNREFUSED)", async () => {
    const err = await failureOf(client(`http://127.0.0.1:${await freePort()}`), "post");
    assert.equal(err.reason, "network");
    assert.match(err.message, /\(ECONNREFUSED\)/);
    assert.equal(err.retryable, true);
  });
});
