import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { request } from "undici";
import type { SimulatedDynatrace } from "../../src/simulator/server.js";
import { type Exporter, notification } from "../helpers/exporters.js";
import { total, value } from "../helpers/exposition.js";
import { RelaySims } from "../helpers/relay-sims.js";
import { until } from "../helpers/wait.js";

const AM = "/api/v1/alertmanager";
const MINUTE = 60_000;
/** v2 with a 30-minute event timeout refreshed every 10 minutes. */
const SHORT = { RELAY_API_VERSION: "v2", RELAY_PROBLEM_TIMEOUT: "30m", RELAY_PROBLEM_REFRESH: "10m" };
const disk = { name: "DiskFull", instance: "web01:9100", severity: "critical", fingerprint: "a1b2c3d4" };

const sims = new RelaySims();
afterEach(() => sims.close());

/** Two replicas with their own outboxes; the disk alert fires on A and opens its problem. */
async function firingOnA() {
  const { sim, clock, start } = await sims.setup(SHORT);
  const a = await start();
  const b = await start();
  await a.post(AM, notification("firing", disk));
  await until(() => openProblems(sim) === 1, 10_000, "problem open");
  return { sim, clock, a, b };
}

const openProblems = (sim: SimulatedDynatrace) =>
  sim.problems.all().filter((p) => p.status === "OPEN").length;

/** A's outage: Dynatrace answers every ingest 503 (the Problems API still answers). */
const outage = (sim: SimulatedDynatrace) =>
  sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "ingest");

/** B takes the resolve, closes the problem, and makes its second look a minute later. */
async function resolvedOnB(sim: SimulatedDynatrace, clock: { advance(ms: number): void }, b: Exporter) {
  await b.post(AM, notification("resolved", disk));
  const closed = async () =>
    value(await b.scrape(), "dynatrace_relay_problem_closes_total", {
      environment: "test",
      outcome: "closed",
    });
  await until(async () => (await closed()) === 1, 10_000, "closed by B, its second look booked");
  clock.advance(MINUTE + 1000);
  const lookups = async () =>
    total(await b.scrape(), "dynatrace_api_requests_total", { endpoint: "v2_problems" });
  await until(async () => (await lookups()) >= 2, 10_000, "B's second look");
}

async function landing(e: Exporter): Promise<string> {
  return (await request(`${e.base}/`)).body.text();
}

const keptOpen = async (e: Exporter) =>
  value(await e.scrape(), "dynatrace_relay_alerts_kept_open", { environment: "test" });

describe("the check right before a kept alert's event is sent", () => {
  test("when A's refresh waits out an outage past B's close and its second look, then A drops it unsent and stops", async () => {
    const { sim, clock, a, b } = await firingOnA();
    const sent = sim.ingested.length;
    outage(sim);
    clock.advance(10 * MINUTE);
    await until(
      async () =>
        value(await a.scrape(), "dynatrace_relay_problem_refreshes_total", { environment: "test" }) === 1,
      10_000,
      "A's refresh queued in the outage",
    );
    await resolvedOnB(sim, clock, b);
    sim.faults.clear();
    clock.advance(1000); // the refresh's retry is due, long before A's next refresh look-up
    await until(() => a.app.relay.summary()?.[0]?.queued === 0, 10_000, "A's outbox empty");
    assert.equal(sim.ingested.length, sent, "the refresh was not sent");
    assert.equal(openProblems(sim), 0);
    assert.equal(await keptOpen(a), 0);
  });

  test("when an Alertmanager repeat queued on A in its outage is sent 110 s after B closed the problem, then its problem is closed again at once", async (t) => {
    const { sim, clock, a, b } = await firingOnA();
    outage(sim);
    clock.advance(3 * MINUTE); // past RELAY_DEDUPE_WINDOW: Alertmanager's repeat is no duplicate
    assert.equal(await a.post(AM, notification("firing", disk)), 202);
    clock.advance(5000);
    await resolvedOnB(sim, clock, b);
    clock.advance(49_000); // 110 s after the close
    sim.faults.clear();
    clock.advance(1000);
    await until(() => a.app.relay.summary()?.[0]?.queued === 0, 10_000, "A's repeat delivered");
    const deliveredAt = Date.now();
    await until(() => sim.problems.closes.length === 2, 10_000, "the reopened problem closed again");
    t.diagnostic(
      `reopened problem closed again ${((Date.now() - deliveredAt) / 1000).toFixed(2)} s after the repeat left A's outbox`,
    );
    assert.equal(openProblems(sim), 0);
    assert.equal(await keptOpen(a), 0);
    const sent = sim.ingested.length;
    clock.advance(10 * MINUTE);
    clock.advance(10 * MINUTE);
    await until(async () => /<td>0 kept open, 0 closing<\/td>/.test(await landing(a)), 10_000, "A done");
    assert.equal(sim.ingested.length, sent, "A refreshes nothing after");
    assert.equal(openProblems(sim), 0);
  });
});
