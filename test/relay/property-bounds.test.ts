import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import request from "supertest";
import { value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** `n` properties named k0, k1, ... with short values. */
function properties(n: number, valueLength = 1): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v".repeat(valueLength)]));
}

const V1 = {
  eventType: "CUSTOM_INFO",
  source: "probe",
  description: "bounded properties",
  attachRules: { entityIds: ["HOST-1"] },
};

describe("relay intake: properties within Dynatrace's limits", () => {
  test("when a v1 push carries 60,000 custom properties, then it is refused 400 naming the limit, and nothing is queued", async () => {
    const harness = await startHarness({ relay: true });
    h = harness;
    const post = (body: object) =>
      request(harness.app.http)
        .post("/api/v1/events")
        .set("Authorization", `Bearer ${harness.relayToken}`)
        .send(body);
    const many = await post({ ...V1, customProperties: properties(60_000) }).expect(400);
    assert.equal(many.body.error.code, 400);
    assert.match(many.body.error.message, /customProperties: at most 100 properties/);
    const longKey = await post({ ...V1, customProperties: { ["k".repeat(101)]: "v" } }).expect(400);
    assert.match(longKey.body.error.message, /customProperties/);
    const longValue = await post({ ...V1, customProperties: { k: "v".repeat(4097) } }).expect(400);
    assert.match(longValue.body.error.message, /customProperties/);
    const v2 = await request(h.app.http)
      .post("/api/v2/events/ingest")
      .set("Authorization", `Bearer ${h.relayToken}`)
      .send({ eventType: "CUSTOM_INFO", title: "t", properties: properties(60_000) })
      .expect(400);
    assert.match(v2.body.error.message, /properties: at most 100 properties/);
    assert.equal(value(await h.scrape(), "dynatrace_relay_queue_depth", { environment: "test" }), 0);
    // At the limits, the push is accepted (v1 push answers 200, as Dynatrace does).
    const limits = { ...properties(99), ["k".repeat(100)]: "v".repeat(4096) };
    await post({ ...V1, customProperties: limits }).expect(200);
  });
});
