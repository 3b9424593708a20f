import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { Gauge } from "prom-client";
import { negotiateEncoding } from "../../src/http/metrics-encoding.js";
import { addBatch, MIN } from "../helpers/fixtures.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { checkMetrics, promtoolSkip } from "../helpers/promtool.js";
import { until } from "../helpers/wait.js";

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A scrape with exactly the headers given (supertest would decompress behind our back). */
function get(base: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/metrics`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** Process metrics (CPU, memory) move between any two scrapes; compare the rest. */
const stable = (text: string) =>
  text
    .split("\n")
    .filter((l) => !/^(process_|nodejs_)/.test(l))
    .join("\n");

const PROMETHEUS_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

describe("/metrics content coding", () => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await startHarness({ env: { WEB_MAX_REQUESTS: "1" } });
    addBatch(h.sim, {
      count: 3000,
      eventType: "CPU_SATURATED",
      newestStart: h.clock.now() - MIN,
      spacingMs: 10,
      open: true,
    });
    addBatch(h.sim, {
      count: 500,
      eventType: "PROCESS_RESTART",
      newestStart: h.clock.now() - MIN,
      spacingMs: 10,
      open: false,
    });
    base = await h.start();
    assert.equal(await h.drain(), true);
  });
  after(() => h.close());

  test("when Accept-Encoding is parsed, then gzip is chosen only when accepted with q > 0", () => {
    assert.equal(negotiateEncoding("gzip"), "gzip");
    assert.equal(negotiateEncoding("deflate, GZIP;q=0.5"), "gzip");
    assert.equal(negotiateEncoding("*"), "gzip");
    assert.equal(negotiateEncoding("gzip;q=0"), "identity");
    assert.equal(negotiateEncoding("br, deflate"), "identity");
    assert.equal(negotiateEncoding(undefined), "identity");
    assert.equal(negotiateEncoding(""), "identity");
  });

  test("when Prometheus asks for gzip, then the answer is gzip whose content equals the plain scrape", async () => {
    for (const accept of [PROMETHEUS_ACCEPT, "text/plain"]) {
      const plain = await get(base, { accept });
      const zipped = await get(base, { accept, "accept-encoding": "gzip" });
      assert.equal(plain.headers["content-encoding"], undefined);
      assert.equal(zipped.headers["content-encoding"], "gzip");
      assert.equal(zipped.headers.vary, "Accept-Encoding");
      assert.equal(zipped.headers["content-type"], plain.headers["content-type"]);
      const unzipped = gunzipSync(zipped.body).toString("utf8");
      assert.equal(stable(unzipped), stable(plain.body.toString("utf8")));
      assert.ok(zipped.body.length * 2 < plain.body.length, "compressed to less than half");
    }
  });

  test("when the counts did not change between scrapes, then each gzip answer still decodes to the whole body", async () => {
    const first = gunzipSync((await get(base, { "accept-encoding": "gzip" })).body).toString("utf8");
    const second = gunzipSync((await get(base, { "accept-encoding": "gzip" })).body).toString("utf8");
    assert.equal(stable(first), stable(second));
    assert.match(second, /dynatrace_events\{environment="test",event_type="CPU_SATURATED"/);
    // Counts change: the new answer carries the new value, not a cached one.
    addBatch(h.sim, {
      count: 7,
      eventType: "CONNECTION_LOST",
      newestStart: h.clock.now(),
      spacingMs: 10,
      open: true,
    });
    assert.equal(await h.drain(), true);
    const third = gunzipSync((await get(base, { "accept-encoding": "gzip" })).body).toString("utf8");
    assert.match(third, /event_type="CONNECTION_LOST"[^\n]*status="OPEN"\} 7\n/);
  });

  test(
    "when the gzip answer is decoded, then promtool accepts the exposition",
    { skip: promtoolSkip() },
    async () => {
      const text = gunzipSync((await get(base, { "accept-encoding": "gzip" })).body).toString("utf8");
      const r = checkMetrics(text);
      assert.equal(r.status, 0, r.output);
    },
  );

  test("when more scrapes than WEB_MAX_REQUESTS run at once, then the extra ones get 503 and later ones succeed", async () => {
    let release: () => void = () => undefined;
    const latch = new Promise<void>((r) => {
      release = r;
    });
    let collecting = false;
    new Gauge({
      name: "test_slow_collect",
      help: "holds a scrape open",
      registers: [h.app.registry],
      async collect() {
        collecting = true;
        await latch;
        this.set(1);
      },
    });
    try {
      const held = get(base, {});
      await until(() => collecting, 5000, "first scrape in collect()");
      const refused = await get(base, {});
      assert.equal(refused.status, 503);
      assert.equal(refused.headers["retry-after"], "1");
      assert.match(JSON.parse(refused.body.toString()).error.message, /WEB_MAX_REQUESTS=1/);
      release();
      assert.equal((await held).status, 200);
    } finally {
      release();
      h.app.registry.removeSingleMetric("test_slow_collect");
    }
    assert.equal((await get(base, {})).status, 200);
  });
});
