import assert from "node:assert/strict";
import { describe, test } from "node:test";
import express from "express";
import request from "supertest";
import { errorHandler, HttpError, notFound } from "../../src/http/errors.js";
import {
  DeadLetterFilterError,
  OutboxReadError,
  OutboxUnavailableError,
} from "../../src/relay/outbox-errors.js";
import { InvalidAlarmError, NoRelayableAlertsError } from "../../src/relay/validation-error.js";
import { WebAccessError } from "../../src/web/access-error.js";

/** An app whose route throws `err`, with the app's error middleware; logged lines are collected. */
function appThrowing(err: unknown) {
  const logged: { err: unknown; message: string }[] = [];
  const app = express();
  app.get("/boom", () => {
    throw err;
  });
  app.post("/json", express.json({ limit: 10 }), (_req, res) => {
    res.json({});
  });
  app.use(notFound);
  app.use(errorHandler((e, message) => logged.push({ err: e, message })));
  return { app, logged };
}

const CASES: { name: string; err: unknown; status: number; headers?: Record<string, string> }[] = [
  {
    name: "InvalidAlarmError",
    err: new InvalidAlarmError("invalid alarm: host", [{ path: "host", message: "Required" }]),
    status: 400,
  },
  { name: "DeadLetterFilterError", err: new DeadLetterFilterError("bad filter"), status: 400 },
  {
    name: "HttpError with headers",
    err: new HttpError(429, "slow down", { "Retry-After": "7" }),
    status: 429,
    headers: { "retry-after": "7" },
  },
  {
    name: "WebAccessError unauthorized",
    err: new WebAccessError("unauthorized", "basic auth"),
    status: 401,
    headers: { "www-authenticate": 'Basic realm="dynatrace-events-exporter"' },
  },
  { name: "WebAccessError forbidden", err: new WebAccessError("forbidden", "no cert"), status: 403 },
  {
    name: "OutboxUnavailableError",
    err: new OutboxUnavailableError("queue full"),
    status: 503,
    headers: { "retry-after": "30" },
  },
  {
    name: "OutboxReadError",
    err: new OutboxReadError("relay outbox read failed", "SQLITE_IOERR_READ"),
    status: 503,
    headers: { "retry-after": "30" },
  },
];

describe("one error-to-status mapping", () => {
  for (const c of CASES) {
    test(`when a route throws ${c.name}, then the answer is ${c.status} in the JSON envelope with its message`, async () => {
      const { app } = appThrowing(c.err);
      const res = await request(app).get("/boom").expect(c.status);
      assert.equal(res.body.error.code, c.status);
      assert.equal(res.body.error.message, (c.err as Error).message);
      for (const [name, value] of Object.entries(c.headers ?? {})) assert.equal(res.headers[name], value);
    });
  }

  test("when an alarm is invalid, then the 400 lists its fields as Dynatrace's constraintViolations", async () => {
    const err = new InvalidAlarmError("invalid v1 event: title", [{ path: "title", message: "Required" }]);
    const res = await request(appThrowing(err).app).get("/boom").expect(400);
    assert.deepEqual(res.body.error.constraintViolations, [
      { path: "title", message: "Required", parameterLocation: "PAYLOAD_BODY" },
    ]);
  });

  test("when no alert of a notification is relayable, then the 400 counts and lists the rejects", async () => {
    const rejected = [
      { index: 0, fingerprint: "f0", errors: [{ path: "alerts.0.labels", message: "no host" }] },
    ];
    const res = await request(appThrowing(new NoRelayableAlertsError(rejected)).app)
      .get("/boom")
      .expect(400);
    assert.match(
      res.body.error.message,
      /^none of the 1 alerts can be relayed \(first: alerts\.0\.labels: no host\)$/,
    );
    assert.equal(res.body.error.rejectedCount, 1);
    assert.deepEqual(res.body.error.rejected, rejected);
  });

  test("when an unknown error is thrown, then 500 with a generic message, no stack, and one log line", async () => {
    const secret = new Error("connect to postgres://user:hunter2@db failed");
    const { app, logged } = appThrowing(secret);
    const res = await request(app).get("/boom").expect(500);
    assert.deepEqual(res.body, { error: { code: 500, message: "internal error" } });
    assert.doesNotMatch(res.text, /hunter2|at .*\.ts/);
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.err, secret);
  });

  test("when an error carries a 5xx status of its own, then it is still a generic 500, not shown to the client", async () => {
    const upstream = Object.assign(new Error("Dynatrace said 502 with token dt0c01.x"), { status: 502 });
    const res = await request(appThrowing(upstream).app).get("/boom").expect(500);
    assert.equal(res.body.error.message, "internal error");
  });

  test("when express's body parser refuses a body, then its 4xx is kept (413 too large, 400 bad JSON), never a 500", async () => {
    const { app, logged } = appThrowing(undefined);
    const big = await request(app)
      .post("/json")
      .set("content-type", "application/json")
      .send('{"a":"0123456789"}')
      .expect(413);
    assert.equal(big.body.error.code, 413);
    const bad = await request(app)
      .post("/json")
      .set("content-type", "application/json")
      .send("{")
      .expect(400);
    assert.equal(bad.body.error.code, 400);
    assert.equal(logged.length, 0, "client mistakes are not logged as faults");
  });

  test("when no route matches, then 404 in the envelope", async () => {
    const res = await request(appThrowing(undefined).app).get("/nowhere").expect(404);
    assert.deepEqual(res.body, { error: { code: 404, message: "no route for GET /nowhere" } });
  });
});
