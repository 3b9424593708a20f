import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { type Harness, startHarness } from "../helpers/harness.js";

const WARN = 40;
const INFO = 30;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("the log tells the story", () => {
  test("when the exporter starts with the relay on, then one line per environment and one for the relay say what runs, without secrets", async () => {
    h = await startHarness({ relay: true, env: { RELAY_API_VERSION: "v2" } });
    await h.start();
    const [env, ...more] = h.logs.find("environment test:");
    assert.equal(more.length, 0, "one line for the one environment");
    const host = new URL(h.sim.url).host;
    assert.match(
      String(env?.msg),
      new RegExp(`^environment test: http://${host}, feed v1 every 60 s, relay v2 ingest$`),
    );
    assert.deepEqual([env?.apiVersion, env?.feed, env?.relay, env?.level], ["v1", true, "v2", INFO]);
    const [relay] = h.logs.find("relay on:");
    assert.match(
      String(relay?.msg),
      /v1 \/api\/v1\/events, v2 \/api\/v2\/events\/ingest, alertmanager \/api\/v1\/alertmanager, grafana \/api\/v1\/grafana, native \/api\/v1\/alarms/,
    );
    assert.match(
      String(relay?.msg),
      new RegExp(
        `outbox in ${h.dataDir}; pushes with v2 ingest; problem lifecycle on for alertmanager, grafana$`,
      ),
    );
    assert.ok(!h.logs.text.includes(h.sim.token), "the tenant token is in no line");
    assert.ok(!h.logs.text.includes(h.relayToken), "the relay token is in no line");
  });

  test("when the relay pushes with v1, then the relay line's lifecycle field says off like its message", async () => {
    h = await startHarness({ relay: true, env: { RELAY_API_VERSION: "v1" } });
    await h.start();
    const [relay] = h.logs.find("relay on:");
    assert.match(String(relay?.msg), /problem lifecycle off \(needs RELAY_API_VERSION=v2\)$/);
    assert.deepEqual(relay?.lifecycle, []);
  });

  test("when the relay is off, then the start says how to turn it on", async () => {
    h = await startHarness();
    await h.start();
    assert.match(String(h.logs.find("environment test:")[0]?.msg), /, relay off$/);
    assert.equal(h.logs.find("relay off: set RELAY_TOKENS").length, 1);
  });

  test("when the first drain succeeds, then it is logged once with the events read, open now and the time taken", async () => {
    h = await startHarness();
    h.sim.generator.history(500, 3_600_000, h.clock.now());
    assert.equal(await h.drain(), true);
    h.clock.advance(60_000);
    assert.equal(await h.drain(), true);
    const lines = h.logs.find("first drain succeeded");
    assert.equal(lines.length, 1, "once, not per drain");
    const line = lines[0] as Record<string, unknown>;
    assert.equal(line.events, 500);
    assert.ok(Number(line.open) > 0 && Number(line.open) <= 500, `open now: ${String(line.open)}`);
    assert.equal(typeof line.durationMs, "number");
    assert.equal(
      line.msg,
      `first drain succeeded: 500 events read, ${String(line.open)} open now, in ${String(line.durationMs)} ms`,
    );
  });

  test("when drains keep failing and then recover, then the turn to failing and the recovery are each logged once above debug", async () => {
    h = await startHarness({ maxAttempts: 1 });
    assert.equal(await h.drain(), true);
    h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
    for (let i = 0; i < 4; i++) {
      h.clock.advance(60_000);
      assert.equal(await h.drain(), false);
    }
    h.sim.faults.clear();
    h.clock.advance(60_000);
    assert.equal(await h.drain(), true);
    const failed = h.logs.find("drain failed");
    assert.equal(failed.length, 4, "every failure is still in the debug log");
    assert.deepEqual(
      failed.map((l) => l.level),
      [WARN, 20, 20, 20],
      "warned when drains turned to failing, debug while the same reason repeats",
    );
    const recovered = h.logs.find("drains recovered");
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]?.level, INFO);
  });
});
