import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { request } from "undici";
import type { SimulatedDynatrace } from "../../src/simulator/server.js";
import { type Exporter, notification } from "../helpers/exporters.js";
import { total, value } from "../helpers/exposition.js";
import { RelaySims } from "../helpers/relay-sims.js";
import { until } from "../helpers/wait.js";
import { SEND_CHECK_CACHE_MS } from "../../src/relay/lifecycle/send-check.js";

const AM = "/api/v1/alertmanager";
const MINUTE = 60_000;
/** v2 with a 30-minute event timeout refreshed every 10 minutes. */
const SHORT = { RELAY_API_VERSION: "v2", RELAY_PROBLEM_TIMEOUT: "30m", RELAY_PROBLEM_REFRESH: "10m" };
/** The outside tester's settings: a 1-minute timeout refreshed every 20 s, a 5 s dedupe window. */
const FAST = {
  RELAY_API_VERSION: "v2",
  RELAY_PROBLEM_TIMEOUT: "1m",
  RELAY_PROBLEM_REFRESH: "20s",
  RELAY_DEDUPE_WINDOW: "5s",
};
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
  await until(async () => (await closedBy(b)) === 1, 10_000, "closed by B, its second look booked");
  clock.advance(MINUTE + 1000);
  const lookups = async () =>
    total(await b.scrape(), "dynatrace_api_requests_total", { endpoint: "v2_problems" });
  await until(async () => (await lookups()) >= 2, 10_000, "B's second look");
}

const closedBy = async (e: Exporter) =>
  value(await e.scrape(), "dynatrace_relay_problem_closes_total", { environment: "test", outcome: "closed" });

async function landing(e: Exporter): Promise<string> {
  return (await request(`${e.base}/`)).body.text();
}

const keptOpen = async (e: Exporter) =>
  value(await e.scrape(), "dynatrace_relay_alerts_kept_open", { environment: "test" });

describe("the check right before a problem-opening event is sent", () => {
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

  test("when an Alertmanager repeat queued on A in its outage is sent 110 s after B closed the problem, then it goes out as an info event and no problem opens", async () => {
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
    await supersededDelivered(sim, a);
    await quietAfter(sim, clock, a);
  });

  test("when A's worker sees B's close before A's queued repeat goes out (the outside tester's sequence), then the repeat goes out as an info event and no problem opens", async () => {
    const { sim, clock, a } = await repeatQueuedPastStop();
    sim.faults.clear();
    clock.advance(SEND_CHECK_CACHE_MS + 1000);
    await until(() => a.app.relay.summary()?.[0]?.queued === 0, 10_000, "A's repeat delivered");
    await supersededDelivered(sim, a);
    await quietAfter(sim, clock, a);
  });

  test("when A's queued repeat of an alert it stopped keeping goes out unchecked (Problems API failing), then the problem it reopens is closed again", async () => {
    const { sim, clock, a } = await repeatQueuedPastStop();
    sim.faults.clear();
    sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "problems");
    clock.advance(SEND_CHECK_CACHE_MS + 1000); // neither a look-up nor its failure serves the send
    await until(() => a.app.relay.summary()?.[0]?.queued === 0, 10_000, "A's repeat delivered");
    const closeFailures = async () =>
      total(await a.scrape(), "dynatrace_relay_problem_close_failures_total", { environment: "test" });
    await until(
      async () => (await closeFailures()) >= 1,
      10_000,
      "A's close again queued, its look-up failed",
    );
    sim.faults.clear();
    clock.advance(1000); // the close's first retry
    await until(() => sim.problems.closes.length === 2, 10_000, "the reopened problem closed again");
    assert.equal(sim.problems.all().length, 2, "sent unchecked, the repeat had reopened the problem");
    assert.equal(a.logs.find("could not look up problems before a send").length, 1);
    assert.equal(openProblems(sim), 0);
    await quietAfter(sim, clock, a);
  });
});

/**
 * The outside tester's sequence (issue 27.5, its finding F1), on a 1-minute timeout refreshed
 * every 20 s: the alert fires on A and B; A's upstream goes down; the firing repeat reaches A past
 * the dedupe window (queued); B takes the resolve and closes the problem; A's worker, refreshing,
 * sees the close and stops keeping the alert before the repeat could be sent; B's second look a
 * minute after its close passes. A's upstream is still down.
 */
async function repeatQueuedPastStop() {
  const { sim, clock, start } = await sims.setup(FAST);
  const a = await start();
  const b = await start();
  for (const e of [a, b]) assert.equal(await e.post(AM, notification("firing", disk)), 202);
  await until(
    () => a.app.relay.summary()?.[0]?.queued === 0 && b.app.relay.summary()?.[0]?.queued === 0,
    10_000,
    "the firing delivered by both",
  );
  assert.equal(openProblems(sim), 1);
  outage(sim);
  clock.advance(6000); // past RELAY_DEDUPE_WINDOW
  assert.equal(await a.post(AM, notification("firing", disk)), 202);
  clock.advance(5000);
  await b.post(AM, notification("resolved", disk));
  await until(async () => (await closedBy(b)) === 1, 10_000, "closed by B, its second look booked");
  clock.advance(16_000); // A's refresh is due; its repeat, 21 s old, is sent without a look-up
  await until(async () => (await keptOpen(a)) === 0, 10_000, "A's worker stopped keeping the alert");
  clock.advance(45_000);
  const lookups = async () =>
    total(await b.scrape(), "dynatrace_api_requests_total", { endpoint: "v2_problems" });
  await until(async () => (await lookups()) >= 2, 10_000, "B's second look");
  return { sim, clock, a, b };
}

/** The repeat went out as an info event marked superseded; nothing reopened. */
async function supersededDelivered(sim: SimulatedDynatrace, a: Exporter) {
  const last = sim.ingested.at(-1) as { eventType: string; properties: Record<string, string> };
  assert.equal(last.eventType, "CUSTOM_INFO");
  assert.equal(last.properties["alert.superseded_by"], "resolve");
  assert.equal(last.properties["alert.key"], `am:${disk.fingerprint}`);
  assert.equal(sim.problems.all().length, 1, "no second problem opened");
  assert.equal(openProblems(sim), 0);
  assert.equal(
    value(await a.scrape(), "dynatrace_relay_superseded_firings_total", { environment: "test" }),
    1,
  );
  assert.equal(await keptOpen(a), 0);
}

/** A refreshes and closes nothing more, and no problem is open, 20 minutes on. */
async function quietAfter(sim: SimulatedDynatrace, clock: { advance(ms: number): void }, a: Exporter) {
  const sent = sim.ingested.length;
  clock.advance(10 * MINUTE);
  clock.advance(10 * MINUTE);
  await until(async () => /<td>0 kept open, 0 closing<\/td>/.test(await landing(a)), 10_000, "A done");
  assert.equal(sim.ingested.length, sent, "A sends nothing after");
  assert.equal(openProblems(sim), 0);
}
