import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import { DrainLoop } from "../../src/feed/drain-loop.js";
import { type DrainResult, FeedDrainer } from "../../src/feed/drainer.js";
import { EventStore } from "../../src/feed/event-store.js";
import { createLogger } from "../../src/log/logger.js";
import { FeedMetrics } from "../../src/metrics/feed-metrics.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { LogCapture } from "../helpers/log-capture.js";
import { until } from "../helpers/wait.js";

describe("DrainLoop", () => {
  test("when a drain takes longer than the interval, then drains still never overlap", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    const loop = new DrainLoop(
      {
        async drainOnce(): Promise<DrainResult> {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(30);
          inFlight--;
          runs++;
          return { ok: true };
        },
      },
      5,
    );
    loop.start();
    await until(() => runs >= 4);
    await loop.stop();
    assert.equal(maxInFlight, 1);
  });

  test("when a drain reports retryNotBefore, then the next drain waits until then", async () => {
    const starts: number[] = [];
    const loop = new DrainLoop(
      {
        drainOnce(): Promise<DrainResult> {
          starts.push(Date.now());
          return Promise.resolve(
            starts.length === 1 ? { ok: false, retryNotBefore: Date.now() + 200 } : { ok: true },
          );
        },
      },
      10,
    );
    loop.start();
    await until(() => starts.length >= 2);
    await loop.stop();
    assert.ok(
      (starts[1] as number) - (starts[0] as number) >= 195,
      `gap ${(starts[1] as number) - (starts[0] as number)}`,
    );
  });

  test("when stopped during a drain, then the drain is aborted and stop waits for it", async () => {
    let aborted = false;
    let started = false;
    const loop = new DrainLoop(
      {
        drainOnce(signal?: AbortSignal): Promise<DrainResult> {
          started = true;
          return new Promise((resolve) => {
            signal?.addEventListener("abort", () => {
              aborted = true;
              resolve({ ok: false });
            });
          });
        },
      },
      1000,
    );
    loop.start();
    await until(() => started);
    await loop.stop();
    assert.equal(aborted, true);
  });
});

describe("FeedDrainer and server-requested waits", () => {
  test("when the server asks to wait longer than a drain may, then the drain fails at once with retryNotBefore", async () => {
    const sim = new SimulatedDynatrace();
    await sim.listen();
    const env = loadConfigFromEnv({ DYNATRACE_URL: sim.url, DYNATRACE_API_TOKEN: sim.token }).environments[0];
    assert.ok(env);
    const client = new DynatraceClient({
      address: env.address,
      token: env.token,
      timeoutMs: 1000,
      userAgent: "test",
    });
    const drainer = new FeedDrainer({
      env,
      client,
      store: new EventStore(),
      metrics: new FeedMetrics(new Registry(), () => []),
      logger: createLogger("silent", new LogCapture()),
      clock: Date.now,
      startedAt: Date.now(),
    });
    try {
      sim.injectFault({ kind: "status", status: 429, headers: { "retry-after": "300" } });
      const before = Date.now();
      const result = await drainer.drainOnce();
      assert.equal(result.ok, false);
      assert.equal(sim.requests.length, 1, "no retry inside the drain");
      assert.ok((result.retryNotBefore ?? 0) >= before + 300_000);
    } finally {
      await client.close();
      await sim.close();
    }
  });
});
