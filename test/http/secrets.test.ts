import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import request from "supertest";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { maskConfig } from "../../src/config/mask.js";
import type { Fault } from "../../src/simulator/faults.js";
import { addBatch, MIN } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("secrets", () => {
  test("when every fault happens with trace logging, then the token is in no log line, page or error", async () => {
    h = await startHarness();
    const token = h.sim.token;
    const secretPart = token.split(".")[2] as string;
    addBatch(h.sim, {
      count: 200,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - MIN,
      spacingMs: 100,
      open: true,
    });
    const faults: Fault[] = [
      { kind: "status", status: 429, headers: { "retry-after": "1" } },
      { kind: "status", status: 500 },
      {
        kind: "status",
        status: 400,
        body: JSON.stringify({ error: { code: 400, message: `bad token ${token}` } }),
      },
      { kind: "reset" },
      { kind: "hang" },
      { kind: "malformed" },
      { kind: "truncated" },
      { kind: "repeat-cursor" },
    ];
    const bodies: string[] = [];
    for (const fault of faults) {
      h.sim.injectFault(fault, 3);
      await h.drain();
      h.sim.faults.clear();
      h.clock.advance(MIN);
      for (const path of ["/metrics", "/", "/readyz", "/healthz", "/no-such-page"]) {
        bodies.push((await request(h.app.http).get(path)).text);
      }
    }
    h.sim.revokeToken();
    await h.drain();
    bodies.push((await request(h.app.http).get("/")).text, (await request(h.app.http).get("/readyz")).text);
    bodies.push(JSON.stringify(h.app.statuses()));
    bodies.push(
      JSON.stringify(maskConfig(loadConfigFromEnv({ DYNATRACE_URL: h.sim.url, DYNATRACE_API_TOKEN: token }))),
    );

    assert.equal(h.logs.find("drain failed").length, faults.length + 1, "every failure was logged");
    assert.ok(h.logs.text.includes("bad token <redacted>"), "an error message echoing the token is redacted");
    for (const haystack of [h.logs.text, ...bodies]) {
      assert.ok(!haystack.includes(secretPart), "the token's secret leaked");
    }
  });
});

describe("secrets of the relay", () => {
  test("when the ingest token is refused and agents send right and wrong tokens, then neither token leaks", async () => {
    const ingestToken = "dt0c01.INGESTINGESTINGEST.ingestsecretingestsecretingestsecret";
    h = await startHarness({ relay: true, realClock: true, env: { DYNATRACE_INGEST_TOKEN: ingestToken } });
    const base = await h.start();
    const send = (auth: string) =>
      fetch(`${base}/api/v1/alarms`, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify({ host: "web01", chart: "c", alarm: `a${Math.random()}`, status: "CLEAR" }),
      });
    assert.equal((await send(`Bearer ${h.relayToken}`)).status, 202);
    assert.equal((await send(`Bearer ${h.relayToken}x`)).status, 401);
    assert.equal((await send(`Basic ${Buffer.from(`u:${h.relayToken}`).toString("base64")}`)).status, 202);
    // The simulator knows only the feed token, so pushes with the ingest token get 401: the
    // environment's delivery pauses and retries (an environment-level refusal never dead-letters).
    await new Promise((r) => setTimeout(r, 300));
    const pages = await Promise.all(
      ["/metrics", "/", "/readyz", "/nope"].map(async (p) => (await fetch(`${base}${p}`)).text()),
    );
    const printed = JSON.stringify(
      maskConfig(
        loadConfigFromEnv({
          DYNATRACE_URL: h.sim.url,
          DYNATRACE_API_TOKEN: h.sim.token,
          DYNATRACE_INGEST_TOKEN: ingestToken,
          RELAY_TOKENS: h.relayToken,
        }),
      ),
    );
    assert.match(h.logs.text, /relay upstream refusing alarms.*Dynatrace answered 401/);
    for (const haystack of [h.logs.text, printed, ...pages]) {
      assert.ok(!haystack.includes("ingestsecret"), "the ingest token leaked");
      assert.ok(!haystack.includes(h.relayToken), "the relay token leaked");
      assert.ok(!haystack.includes(h.sim.token.split(".")[2] as string), "the feed token leaked");
    }
  });
});
