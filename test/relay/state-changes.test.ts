import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { SimulatedDynatrace } from "../../src/simulator/server.js";
import { notification } from "../helpers/exporters.js";
import { RelaySims } from "../helpers/relay-sims.js";
import { until } from "../helpers/wait.js";

const AM = "/api/v1/alertmanager";
const NATIVE = "/api/v1/alarms";
/** A window far longer than any gap in these tests: every repeat below falls within it. */
const WINDOW = { RELAY_DEDUPE_WINDOW: "10m" };
const disk = { name: "DiskFull", instance: "web01:9100", severity: "critical", fingerprint: "a1b2c3d4" };

const sims = new RelaySims();
afterEach(() => sims.close());

async function setup(env: Record<string, string>) {
  const { sim, clock, start } = await sims.setup({ ...WINDOW, ...env });
  return { sim, clock, e: await start() };
}

/** netdata's notifier's v1 body for one status of one alarm (no time: netdata sends none). */
function netdataPush(status: string) {
  const description = `Netdata Notification for: web01 disk.space_used is ${status}`;
  return {
    title: "Netdata Alarm from web01",
    source: "Netdata Alarm",
    description,
    eventType: "CUSTOM_INFO",
    attachRules: { tagRule: [{ meTypes: ["HOST"], tags: ["web01"] }] },
    customProperties: { description },
  };
}

const native = (status: string, time?: number) => ({
  host: "web01",
  chart: "disk.space",
  alarm: "used",
  status,
  ...(time === undefined ? {} : { time }),
});

const statusesOf = (sim: SimulatedDynatrace) =>
  sim.pushed.map((b) => /is (\w+)$/.exec(String(b.description))?.[1]);

/** The simulator's problems of the native alarm above. */
const problemsOfAlarm = (sim: SimulatedDynatrace) =>
  sim.problems
    .all()
    .filter((p) => p.events.some((e) => e.properties?.["alert.key"]?.includes("disk.space.used")));

describe("dedupe of state changes", () => {
  test("when netdata sends CRITICAL, CLEAR, CRITICAL within the dedupe window, then all three are delivered and only the repeat is a duplicate", async () => {
    const { sim, clock, e } = await setup({});
    for (const status of ["CRITICAL", "CRITICAL", "CLEAR", "CRITICAL"]) {
      assert.equal(await e.post("/api/v1/events", netdataPush(status)), 200);
      clock.advance(1000);
    }
    await until(() => sim.pushed.length >= 3, 10_000, "three delivered");
    assert.deepEqual(statusesOf(sim), ["CRITICAL", "CLEAR", "CRITICAL"]);
    // The simulator records a push before it answers; the outbox drops the row after the answer.
    await until(() => e.app.relay.summary()?.[0]?.queued === 0, 10_000, "queue drained");
  });

  test("when a native alarm clears and fires again with the lifecycle on, then a problem opens again and the second CLEAR closes it", async () => {
    const { sim, clock, e } = await setup({
      RELAY_API_VERSION: "v2",
      RELAY_LIFECYCLE: "native",
      RELAY_SEVERITY_MAP: "critical=CUSTOM_ALERT",
    });
    const openCount = () => problemsOfAlarm(sim).filter((p) => p.status === "OPEN").length;
    for (let round = 1; round <= 2; round++) {
      assert.equal(await e.post(NATIVE, native("CRITICAL")), 202);
      await until(() => openCount() === 1, 10_000, `problem ${round} open`);
      clock.advance(1000);
      assert.equal(await e.post(NATIVE, native("CLEAR")), 202);
      await until(() => sim.problems.closes.length === round, 10_000, `problem ${round} closed`);
      clock.advance(1000);
    }
    assert.equal(openCount(), 0);
    assert.equal(e.logs.find("relay alert resolved").length, 2);
  });

  test("when an Alertmanager alert fires again after its resolve, with the old or a new startsAt, then each firing is delivered; an HA copy is not", async () => {
    const { sim, clock, e } = await setup({});
    const firing = notification("firing", disk);
    assert.equal(await e.post(AM, firing), 202);
    assert.equal(await e.post(AM, firing), 202); // the HA pair's copy: a duplicate
    assert.equal(await e.post(AM, notification("resolved", disk)), 202);
    clock.advance(90_000); // past a late copy's minute: the old startsAt again is a re-fire
    assert.equal(await e.post(AM, firing), 202);
    const again = notification("firing", disk);
    (again.alerts as { startsAt: string }[])[0]!.startsAt = "2026-11-01T12:40:00Z";
    assert.equal(await e.post(AM, notification("resolved", disk)), 202);
    assert.equal(await e.post(AM, again), 202);
    await until(() => sim.pushed.length >= 5, 10_000, "five delivered");
    assert.deepEqual(
      sim.pushed.map((b) => b.title),
      [
        "[FIRING] DiskFull",
        "[RESOLVED] DiskFull",
        "[FIRING] DiskFull",
        "[RESOLVED] DiskFull",
        "[FIRING] DiskFull",
      ],
    );
  });

  test("when a timed native alarm's older state arrives late, then it is a late copy within the minute and a new state after it", async () => {
    const { sim, clock, e } = await setup({});
    const t0 = 1_700_000_000;
    assert.equal(await e.post(NATIVE, native("CRITICAL", t0)), 202);
    assert.equal(await e.post(NATIVE, native("CLEAR", t0 + 60)), 202);
    clock.advance(20_000);
    assert.equal(await e.post(NATIVE, native("CRITICAL", t0)), 202); // a copy older than the CLEAR
    assert.equal(await e.post(NATIVE, native("CRITICAL", t0 + 120)), 202); // a new CRITICAL
    await until(() => sim.pushed.length >= 3, 10_000, "three delivered");
    assert.deepEqual(statusesOf(sim), ["CRITICAL", "CLEAR", "CRITICAL"]);
    assert.equal(sim.pushed[2]?.start, (t0 + 120) * 1000);
  });

  test("when a v2 event of one title and target alternates between two states, then every change is delivered and a retry is not", async () => {
    const { sim, e } = await setup({ RELAY_API_VERSION: "v2" });
    const event = (state: string) => ({
      eventType: "CUSTOM_INFO",
      title: "Backup job",
      entitySelector: 'type("HOST"),entityName("web01")',
      properties: { state },
    });
    for (const state of ["failed", "failed", "ok", "failed"]) {
      assert.equal(await e.post("/api/v2/events/ingest", event(state)), 201);
    }
    await until(() => sim.ingested.length >= 3, 10_000, "three delivered");
    assert.deepEqual(
      sim.ingested.map((b) => (b.properties as Record<string, string>).state),
      ["failed", "ok", "failed"],
    );
  });
});
