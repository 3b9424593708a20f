import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import type { DynatraceError } from "../../src/dynatrace/errors.js";
import { FAKE_TOKEN, type FakeTenant, failureOf, startFakeTenant } from "../helpers/scripted-tenant.js";

const tenants: FakeTenant[] = [];
after(() => Promise.all(tenants.map((t) => t.close())));

async function failureAt(origin: string, call: "get" | "post"): Promise<DynatraceError> {
  const client = new DynatraceClient({
    address: { origin, basePath: "", environmentId: "x" },
    token: FAKE_TOKEN,
    timeoutMs: 10_000,
    userAgent: "t",
    backoff: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
  return failureOf(client, call);
}

describe("network errors", () => {
  test("when the tenant's name does not resolve, then the failure is a retryable network error naming the DNS code", async () => {
    const err = await failureAt("https://tenant.invalid", "post");
    assert.equal(err.name, "DynatraceNetworkError");
    assert.equal(err.reason, "network");
    assert.match(err.message, /\((ENOTFOUND|EAI_AGAIN)\)/);
    assert.equal(err.retryable, true);
  });

  test("when the tenant drops the connection on every request, then the failure is a retryable network error", async () => {
    const t = await startFakeTenant((req) => {
      req.socket.destroy();
    });
    tenants.push(t);
    for (const call of ["get", "post"] as const) {
      const err = await failureAt(t.url, call);
      assert.equal(err.reason, "network");
      assert.match(err.message, /\((ECONNRESET|UND_ERR_SOCKET)\)/);
      assert.equal(err.retryable, true);
      assert.ok(!err.message.includes(FAKE_TOKEN.slice(-64)));
    }
  });
});
