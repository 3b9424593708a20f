import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { samples, value } from "../helpers/exposition.js";

const HOUR = 3_600_000;
const now = Date.parse("2026-11-01T12:00:00Z");
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.splice(0)) await c();
});

async function simulator(timeFilter: "literal" | "overlap") {
  const sim = new SimulatedDynatrace({ clock: () => now, seed: 21, timeFilter });
  await sim.listen();
  closers.push(() => sim.close());
  sim.generator.history(3000, 72 * HOUR, now);
  // Open since two days, so it started before a 24 h window.
  sim.addEvent({ eventId: 901n, startTime: now - 48 * HOUR, eventType: "CPU_SATURATED" });
  return sim;
}

async function exporter(sim: SimulatedDynatrace, version: "v1" | "v2") {
  const app = createApp(
    loadConfigFromEnv({
      DYNATRACE_URL: sim.url,
      DYNATRACE_API_TOKEN: sim.token,
      DYNATRACE_ENVIRONMENT: "same",
      DYNATRACE_API_VERSION: version,
      EVENTS_WINDOW: "24h",
    }),
    { clock: () => now, logger: createLogger("silent") },
  );
  closers.push(() => app.stop());
  assert.equal(await app.drainAll(), true);
  return (await app.metricsText(false)).body.toString();
}

const eventLines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("dynatrace_events{"))
    .sort();

describe("draining the v2 feed", () => {
  test("when v1 and v2 read the same simulated events, then the gauges are identical", async () => {
    const sim = await simulator("overlap");
    const v1 = eventLines(await exporter(sim, "v1"));
    const v2 = eventLines(await exporter(sim, "v2"));
    assert.ok(v1.length > 10, "the fixture has many label sets");
    assert.deepEqual(v2, v1);
  });

  test("when v2 pages, then pageSize is 1000, nextPageKey goes alone and open events are asked for", async () => {
    const sim = await simulator("overlap");
    await exporter(sim, "v2");
    const v2 = sim.requests.filter((r) => r.path === "/api/v2/events");
    assert.ok(v2.length >= 3, `expected several pages, got ${v2.length}`);
    for (const r of v2) {
      if (r.query.has("nextPageKey")) assert.deepEqual([...r.query.keys()], ["nextPageKey"]);
      else assert.equal(r.query.get("pageSize"), "1000");
    }
    assert.ok(v2.some((r) => r.query.get("eventSelector") === 'status("OPEN")'));
    assert.ok(v2.every((r) => r.status === 200));
  });

  test("when an event opened before the window is still open, then v2 counts it and v1 (literal server) cannot", async () => {
    const sim = await simulator("literal");
    const match = { event_type: "CPU_SATURATED", status: "OPEN" };
    const open = [...sim.store.all()].filter(
      (e) => e.eventType === "CPU_SATURATED" && e.endTime === -1,
    ).length;
    assert.equal(value(await exporter(sim, "v2"), "dynatrace_events", match), open);
    const v1 = samples(await exporter(sim, "v1"), "dynatrace_events", match);
    assert.ok((v1[0]?.value ?? 0) < open, "v1 misses the event opened before its window");
  });
});
