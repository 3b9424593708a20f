import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import request from "supertest";
import { type Harness, startHarness } from "../helpers/harness.js";

describe("pages over plain HTTP", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test("when the landing page is served without TLS, then nothing tells a browser to switch to https", async () => {
    const res = await request(h.app.http).get("/").expect(200);
    const csp = String(res.headers["content-security-policy"]);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    assert.equal(res.headers["strict-transport-security"], undefined);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  });
});
