import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { request } from "undici";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ALARM = { host: "web01", alarm: "cpu_usage", chart: "system.cpu", status: "CRITICAL" };

/** Posts one alarm to the running exporter; returns the status. */
async function post(base: string, token: string, forwardedFor?: string): Promise<number> {
  const res = await request(`${base}/api/v1/alarms`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}),
    },
    body: JSON.stringify({ ...ALARM, alarm: `a${Math.random()}` }),
  });
  await res.body.dump();
  return res.statusCode;
}

async function statuses(n: number, send: (i: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await send(i));
  return out;
}

describe("failed-auth limiting", () => {
  test("when one address sends 50 bad tokens, then a good token from that address still gets 2xx", async () => {
    h = await startHarness({ relay: true, realClock: true });
    const base = await h.start();
    const bad = await statuses(50, (i) => post(base, `guess-${i}`));
    assert.deepEqual(new Set(bad.slice(0, 10)), new Set([401]));
    assert.deepEqual(new Set(bad.slice(10)), new Set([429]), "failures beyond 10 are limited");
    assert.equal(await post(base, h.relayToken), 202);
    assert.equal(await post(base, "guess-again"), 429, "the address stays limited for failures");
  });

  test("when behind a trusted proxy, then two clients named by X-Forwarded-For are limited separately", async () => {
    h = await startHarness({
      relay: true,
      realClock: true,
      env: { TRUSTED_PROXIES: "127.0.0.1,10.0.0.0/8" },
    });
    const base = await h.start();
    const a = await statuses(11, (i) => post(base, `guess-${i}`, "198.51.100.7, 10.1.2.3"));
    assert.deepEqual(a.slice(0, 10), Array(10).fill(401));
    assert.equal(a[10], 429, "client A is limited");
    assert.equal(await post(base, "guess-b", "203.0.113.9"), 401, "client B is not limited by A's failures");
    assert.equal(await post(base, h.relayToken, "198.51.100.7"), 202, "client A with the right token passes");
  });

  test("when the peer is not a trusted proxy, then X-Forwarded-For is ignored and the peer is limited", async () => {
    h = await startHarness({ relay: true, realClock: true, env: { TRUSTED_PROXIES: "10.9.9.9" } });
    const base = await h.start();
    const codes = await statuses(11, (i) => post(base, `guess-${i}`, `203.0.113.${i + 1}`));
    assert.deepEqual(codes.slice(0, 10), Array(10).fill(401));
    assert.equal(codes[10], 429, "a fresh X-Forwarded-For from an untrusted peer does not reset the limit");
  });
});
