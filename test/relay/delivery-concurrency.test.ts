import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import fc from "fast-check";
import { request as undiciRequest } from "undici";
import { value } from "../helpers/exposition.js";
import { PushTenant, successAnswer } from "../helpers/push-tenant.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

async function post(base: string, token: string, body: unknown): Promise<number> {
  const res = await undiciRequest(`${base}/api/v1/alarms`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.body.dump();
  return res.statusCode;
}

const STATUSES = ["WARNING", "CRITICAL", "CLEAR"] as const;
type Props = Record<string, string>;

describe("relay delivery under concurrency: order per identity, exactly once, bounded in flight", () => {
  const BOUND = 4;
  const t = new PushTenant();
  let h: Harness;
  let base: string;
  before(async () => {
    await t.listen();
    h = await startHarness({
      relay: true,
      realClock: true,
      env: { DYNATRACE_URL: t.url, RELAY_CONCURRENCY: String(BOUND) },
    });
    base = await h.start();
  });
  after(async () => {
    await h.close();
    await t.close();
  });

  test("when random alarm sequences over a few identities meet random upstream latencies, then each identity's alarms arrive in acceptance order, each exactly once, never more than RELAY_CONCURRENCY in flight", async () => {
    let run = 0;
    let mostInFlight = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 20 }),
        async (identities, latencies) => {
          const host = `run${++run}`;
          t.maxConcurrent = 0;
          t.script = (_body, n) => successAnswer("v1", latencies[n % latencies.length]);
          const posted = new Map<string, number[]>();
          for (const [seq, identity] of identities.entries()) {
            const name = `alarm${identity}`;
            const status = STATUSES[seq % STATUSES.length];
            assert.equal(
              await post(base, h.relayToken, { host, chart: "c", alarm: name, status, time: seq + 1 }),
              202,
            );
            posted.set(name, [...(posted.get(name) ?? []), seq + 1]);
          }
          const mine = () => t.accepted.filter((b) => (b.customProperties as Props).host === host);
          await until(() => mine().length >= identities.length, 20_000, `run ${run} delivered`);
          await new Promise((r) => setTimeout(r, 50));
          const arrived = new Map<string, number[]>();
          for (const b of mine()) {
            const p = b.customProperties as Props;
            arrived.set(p.alarm as string, [...(arrived.get(p.alarm as string) ?? []), Number(p.time)]);
          }
          assert.deepEqual(arrived, posted, "per identity: acceptance order, each exactly once");
          assert.ok(t.maxConcurrent <= BOUND, `${t.maxConcurrent} in flight > ${BOUND}`);
          mostInFlight = Math.max(mostInFlight, t.maxConcurrent);
        },
      ),
      { numRuns: 12 },
    );
    assert.ok(mostInFlight > 1, "deliveries did overlap in some run");
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
  });
});

describe("relay delivery: AIMD and graceful stop", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(env: Record<string, string> = {}, tenant = new PushTenant()) {
    if (tenant.url.endsWith(":0")) await tenant.listen();
    cleanup.push(() => tenant.close());
    const h = await startHarness({
      relay: true,
      realClock: true,
      env: { DYNATRACE_URL: tenant.url, ...env },
    });
    cleanup.push(() => h.close());
    return { h, t: tenant, base: await h.start() };
  }

  const concurrency = async (h: Harness) =>
    value(await h.scrape(), "dynatrace_relay_delivery_concurrency", { environment: "test" });

  test("when a storm of 429s hits, then the delivery concurrency shrinks, and it grows back to RELAY_CONCURRENCY once the tenant recovers", async () => {
    const { h, t, base } = await setup();
    assert.equal(await concurrency(h), 16);
    let storm = true;
    t.script = () =>
      storm
        ? { status: 429, body: '{"error":{"code":429,"message":"Too many requests."}}' }
        : successAnswer("v1", 2);
    for (let i = 0; i < 40; i++)
      assert.equal(
        await post(base, h.relayToken, { host: "h", chart: "c", alarm: `s${i}`, status: "WARNING" }),
        202,
      );
    await until(async () => (await concurrency(h)) === 1, 10_000, "concurrency halved down to 1");
    storm = false;
    await until(() => t.accepted.length === 40, 20_000, "storm backlog delivered");
    for (let i = 0; i < 300; i++)
      await post(base, h.relayToken, { host: "h", chart: "c", alarm: `r${i}`, status: "CLEAR" });
    await until(async () => (await concurrency(h)) === 16, 20_000, "concurrency back to 16");
    await until(() => t.accepted.length === 340, 20_000, "all delivered");
    assert.ok(t.maxConcurrent <= 16);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
    assert.ok(
      value(m, "dynatrace_relay_delivery_failures_total", { environment: "test", reason: "rate_limited" }) >=
        4,
    );
  });

  test("when the exporter stops with deliveries in flight, then those finish, nothing new starts, and the rest stays queued for the next start", async () => {
    const t = new PushTenant();
    await t.listen();
    t.script = () => successAnswer("v1", 400);
    const first = await setup({ RELAY_CONCURRENCY: "4" }, t);
    for (let i = 0; i < 10; i++)
      assert.equal(
        await post(first.base, first.h.relayToken, {
          host: "h",
          chart: "c",
          alarm: `g${i}`,
          status: "WARNING",
        }),
        202,
      );
    await until(() => t.pushes === 4, 5000, "four in flight");
    await first.h.app.stop();
    assert.equal(t.accepted.length, 4, "the attempts in flight were answered and recorded");
    assert.equal(t.pushes, 4, "nothing started after stop");
    t.script = () => successAnswer("v1", 0);
    const second = await setup({ RELAY_CONCURRENCY: "4", RELAY_DATA_DIR: first.h.dataDir }, t);
    await until(() => t.accepted.length === 10, 10_000, "the rest delivered after restart");
    const names = t.accepted.map((b) => (b.customProperties as Props).alarm).sort();
    assert.deepEqual(names, Array.from({ length: 10 }, (_, i) => `g${i}`).sort(), "each exactly once");
    assert.equal(value(await second.h.scrape(), "dynatrace_relay_queue_depth", { environment: "test" }), 0);
  });
});
