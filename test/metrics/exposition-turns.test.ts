import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Counter, Gauge, Registry } from "prom-client";
import { renderExposition } from "../../src/metrics/exposition.js";

function registryOf(families: number): Registry {
  const registry = new Registry();
  for (let i = 0; i < families; i++) {
    new Gauge({ name: `g${i}`, help: "a gauge", labelNames: ["environment"], registers: [registry] }).set(
      { environment: "a" },
      i,
    );
    new Counter({ name: `c${i}_total`, help: "a counter", registers: [registry] }).inc(i);
  }
  return registry;
}

describe("rendering prom-client's families", () => {
  test("when a registry with 100 families renders, then the event loop turns between them", async () => {
    const registry = registryOf(50);
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    await renderExposition(registry, false);
    done = true;
    assert.ok(turns >= 90, `the loop turned ${turns} times during the render`);
  });

  test("when rendered a family at a time, then the text is prom-client's own, in both formats", async () => {
    const registry = registryOf(3);
    const text = (await renderExposition(registry, false)).body.toString();
    assert.equal(text, await registry.metrics());
    const open = (await renderExposition(registry, true)).body.toString();
    const switchable = registry as unknown as { setContentType(type: string): void };
    switchable.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const expected = await registry.metrics();
    switchable.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
    assert.equal(open, expected);
    assert.match(text, /^c0_total 0$/m, "counter names restored after the OpenMetrics render");
  });
});
