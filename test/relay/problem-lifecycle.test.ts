import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { request } from "undici";
import { SimulatedDynatrace, type SimulatorOptions } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";
import { type Exporter, notification, startExporter } from "../helpers/exporters.js";
import { value } from "../helpers/exposition.js";
import { until } from "../helpers/wait.js";

const AM = "/api/v1/alertmanager";
const MINUTE = 60_000;
const V2 = { RELAY_API_VERSION: "v2" };
/** A 30-minute event timeout refreshed every 10 minutes: the clock steps the tests take. */
const SHORT = { RELAY_PROBLEM_TIMEOUT: "30m", RELAY_PROBLEM_REFRESH: "10m" };
const disk = { name: "DiskFull", instance: "web01:9100", severity: "critical", fingerprint: "a1b2c3d4" };
const load = { name: "HighLoad", instance: "web02:9100", severity: "page", fingerprint: "e5f6a7b8" };

let sims: SimulatedDynatrace[] = [];
let exporters: Exporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.map((e) => e.stop()));
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
  exporters = [];
});

/** A simulator on a test-driven clock (`simBehindMs` behind the exporters'), and a way to start exporters. */
async function setup(env: Record<string, string> = {}, sim: SimulatorOptions = {}, simBehindMs = 0) {
  const clock = new ManualClock();
  const s = new SimulatedDynatrace({ clock: () => clock.now() - simBehindMs, eventsPerMinute: 0, ...sim });
  await s.listen();
  sims.push(s);
  const start = async (dataDir?: string) => {
    const e = await startExporter(s, clock, { ...V2, ...env }, dataDir);
    exporters.push(e);
    return e;
  };
  return { sim: s, clock, start };
}

/** Two exporters (replicas with their own outboxes) on one simulator, with the short lifecycle. */
async function twoReplicas(simBehindMs = 0) {
  const { sim, clock, start } = await setup(SHORT, {}, simBehindMs);
  return { sim, clock, a: await start(), b: await start() };
}

/** The disk alert fires on `a`, opens its problem, and is resolved on `b`, which closes it. */
async function firedOnAResolvedOnB(sim: SimulatedDynatrace, a: Exporter, b: Exporter) {
  await a.post(AM, notification("firing", disk));
  await until(() => isOpen(sim, disk.fingerprint));
  await b.post(AM, notification("resolved", disk));
  await until(() => sim.problems.closes.length === 1, 10_000, "closed by the other replica");
}

/** The simulator's problems whose evidence carries the alert's key. */
function problemsOf(sim: SimulatedDynatrace, fingerprint: string) {
  return sim.problems
    .all()
    .filter((p) => p.events.some((e) => e.properties?.["alert.key"] === `am:${fingerprint}`));
}

/** How many alerts the exporter stopped refreshing because their problem was closed elsewhere. */
async function refreshStops(e: Exporter): Promise<number> {
  return value(await e.scrape(), "dynatrace_relay_problem_refresh_stops_total", { environment: "test" });
}

/** The exporter's landing page. */
async function landing(e: Exporter): Promise<string> {
  const res = await request(`${e.base}/`);
  return res.body.text();
}

const isOpen = (sim: SimulatedDynatrace, fp: string) => problemsOf(sim, fp).some((p) => p.status === "OPEN");

describe("problems of relayed alerts", () => {
  test("when a critical alert fires, then exactly one problem opens with a stable title, and a warning stays an info event", async () => {
    const { sim, start } = await setup();
    const a = await start();
    assert.equal(await a.post(AM, notification("firing", disk)), 202);
    assert.equal(
      await a.post(AM, notification("firing", { ...load, name: "Slow", severity: "warning" })),
      202,
    );
    await until(() => sim.ingested.length === 2);
    const problems = problemsOf(sim, disk.fingerprint);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.status, "OPEN");
    assert.equal(problems[0]?.title, "DiskFull on web01:9100");
    assert.equal(problemsOf(sim, load.fingerprint).length, 0, "a warning opens no problem");
    const info = sim.ingested.find((b) => b.eventType === "CUSTOM_INFO");
    assert.equal(info?.title, "[FIRING] Slow");
    const m = await a.scrape();
    assert.equal(value(m, "dynatrace_relay_alerts_kept_open", { environment: "test" }), 1);
  });

  test("when the alert is notified again and an HA pair sends duplicates, then its event is refreshed and no second problem opens", async () => {
    const { sim, clock, start } = await setup();
    const a = await start();
    await a.post(AM, notification("firing", disk));
    await a.post(AM, notification("firing", disk)); // the HA pair's copy
    await until(() => isOpen(sim, disk.fingerprint));
    clock.advance(10 * MINUTE); // past RELAY_DEDUPE_WINDOW: Alertmanager's repeat
    await a.post(AM, notification("firing", disk));
    await until(() => sim.ingested.length === 2);
    assert.equal(sim.problems.all().length, 1);
    assert.equal(sim.eventLife.records.length, 1);
    assert.equal(sim.eventLife.records[0]?.refreshes, 1);
    assert.deepEqual(sim.ingested[0], sim.ingested[1], "the re-send is the same payload");
  });

  test("when the alert keeps firing past the event's timeout, then refreshes keep the one problem open", async () => {
    const { sim, clock, start } = await setup(SHORT);
    const a = await start();
    await a.post(AM, notification("firing", disk));
    await until(() => sim.ingested.length === 1);
    for (let i = 1; i <= 6; i++) {
      clock.advance(10 * MINUTE);
      await until(() => sim.ingested.length === i + 1, 10_000, `refresh ${i}`);
    }
    // 60 minutes after the first send, twice the timeout: still one open problem.
    assert.ok(isOpen(sim, disk.fingerprint));
    assert.equal(sim.problems.all().length, 1);
    assert.equal(sim.eventLife.records[0]?.refreshes, 6);
    assert.equal(
      value(await a.scrape(), "dynatrace_relay_problem_refreshes_total", { environment: "test" }),
      6,
    );
  });

  test("when the alert resolves, then its problem is closed within the minute with a comment naming the alert", async (t) => {
    const { sim, start } = await setup();
    const a = await start();
    await a.post(AM, notification("firing", disk));
    await until(() => isOpen(sim, disk.fingerprint));
    assert.match(await landing(a), /<td>1 kept open, 0 closing<\/td>/);
    const resolvedAt = Date.now();
    assert.equal(await a.post(AM, notification("resolved", disk)), 202);
    await until(() => problemsOf(sim, disk.fingerprint)[0]?.status === "CLOSED", 60_000, "problem closed");
    const seconds = (Date.now() - resolvedAt) / 1000;
    assert.ok(seconds < 60, `closed after ${seconds} s`);
    t.diagnostic(`problem closed ${seconds.toFixed(2)} s after the resolved notification`);
    const close = sim.problems.closes[0];
    assert.match(close?.message ?? "", /DiskFull on web01:9100/);
    assert.match(close?.message ?? "", /http:\/\/prometheus:9090\/graph\?g0\.expr=DiskFull/);
    assert.equal(sim.ingested.length, 1, "no [RESOLVED] event: the close ends it");
    const m = await a.scrape();
    assert.equal(
      value(m, "dynatrace_relay_problem_closes_total", { environment: "test", outcome: "closed" }),
      1,
    );
    assert.equal(value(m, "dynatrace_relay_alerts_kept_open", { environment: "test" }), 0);
    assert.match(await landing(a), /<td>0 kept open, 0 closing<\/td>/);
  });

  test("when the exporter restarts between firing and resolved, then refreshes resume and the resolve still closes the problem", async () => {
    const { sim, clock, start } = await setup(SHORT);
    const first = await start();
    await first.post(AM, notification("firing", disk));
    await until(() => isOpen(sim, disk.fingerprint));
    await first.stop();
    exporters = exporters.filter((e) => e !== first);
    clock.advance(20 * MINUTE);
    const second = await start(first.dataDir);
    await until(() => sim.ingested.length === 2, 10_000, "refresh after restart");
    clock.advance(15 * MINUTE); // 35 minutes after the first send: open thanks to the refresh
    assert.ok(isOpen(sim, disk.fingerprint));
    await second.post(AM, notification("resolved", disk));
    await until(() => problemsOf(sim, disk.fingerprint)[0]?.status === "CLOSED", 60_000, "problem closed");
    assert.equal(sim.problems.all().length, 1);
  });

  test("when two exporters with their own outboxes get alternate notifications, then each alert has one problem, closed on resolve, never refreshed after", async () => {
    const { sim, clock, a, b } = await twoReplicas();
    await a.post(AM, notification("firing", disk));
    await b.post(AM, notification("firing", disk)); // the HA pair's copy lands on the other replica
    await b.post(AM, notification("firing", load));
    await until(() => isOpen(sim, disk.fingerprint) && isOpen(sim, load.fingerprint));
    clock.advance(10 * MINUTE);
    await a.post(AM, notification("firing", load)); // a repeat lands on the other replica
    // 3 first sends, A's first send of the repeat, and the refreshes due at 10 minutes (A: disk;
    // B: disk, load). Resolving before all 7 landed would race a refresh against the close, which
    // the next test covers.
    await until(() => sim.ingested.length === 7, 10_000, "refreshes of both replicas");
    assert.equal(problemsOf(sim, disk.fingerprint).length, 1);
    assert.equal(problemsOf(sim, load.fingerprint).length, 1);
    // Each resolve reaches the replica that did not see the alert's first notification.
    await b.post(AM, notification("resolved", disk));
    await a.post(AM, notification("resolved", load));
    await until(
      () => !isOpen(sim, disk.fingerprint) && !isOpen(sim, load.fingerprint),
      60_000,
      "both closed",
    );
    const sent = sim.ingested.length;
    for (let i = 0; i < 3; i++) {
      clock.advance(10 * MINUTE);
      await until(
        async () => {
          const kept = await Promise.all(
            [a, b].map(async (e) =>
              value(await e.scrape(), "dynatrace_relay_alerts_kept_open", { environment: "test" }),
            ),
          );
          return kept.every((n) => n === 0);
        },
        10_000,
        "no replica keeps a resolved alert open",
      );
    }
    assert.equal(sim.ingested.length, sent, "no refresh after the resolve");
    assert.equal(sim.problems.all().length, 2);
    assert.ok(sim.problems.all().every((p) => p.status === "CLOSED"));
  });

  test("when a refresh races the close on another replica, then the reopened problem is closed a minute later and the refreshing replica stops", async () => {
    const { sim, clock, a, b } = await twoReplicas();
    await firedOnAResolvedOnB(sim, a, b);
    // The racing refresh: the identical event, sent after the close.
    const res = await request(`${sim.url}/api/v2/events/ingest`, {
      method: "POST",
      headers: { authorization: `Api-Token ${sim.token}`, "content-type": "application/json" },
      body: JSON.stringify(sim.ingested[0]),
    });
    assert.equal(res.statusCode, 201);
    await res.body.dump();
    await until(() => isOpen(sim, disk.fingerprint), 5000, "reopened as a new problem");
    clock.advance(61_000);
    await until(() => sim.problems.closes.length === 2, 10_000, "reopened problem closed");
    assert.ok(!isOpen(sim, disk.fingerprint));
    const sent = sim.ingested.length;
    clock.advance(10 * MINUTE);
    await until(async () => (await refreshStops(a)) === 1, 10_000, "the refreshing replica stops");
    assert.equal(sim.ingested.length, sent);
  });

  test("when the firing event waits out an outage behind which the resolve queued, then the close still looks for the problem long enough for Davis to raise it", async () => {
    // Davis raises the problem a minute after the event; the tenant refuses ingests for ten.
    const { sim, clock, start } = await setup({}, { problemListDelayMs: MINUTE });
    sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "ingest");
    const a = await start();
    await a.post(AM, notification("firing", disk));
    await a.post(AM, notification("resolved", disk));
    clock.advance(10 * MINUTE);
    sim.faults.clear();
    await until(() => sim.ingested.length === 1, 10_000, "the firing event delivered after the outage");
    const misses = () => a.logs.find("no open problem of a resolved alert yet").length;
    await until(() => misses() === 1, 10_000, "a look-up before Davis raised the problem");
    clock.advance(30_000);
    await until(() => misses() === 2, 10_000, "a second look-up, 30 s later");
    assert.equal(sim.problems.closes.length, 0);
    clock.advance(30_000); // a minute after the delivery: Davis has raised it
    await until(() => problemsOf(sim, disk.fingerprint)[0]?.status === "CLOSED", 10_000, "problem closed");
    const m = await a.scrape();
    assert.equal(
      value(m, "dynatrace_relay_problem_closes_total", { environment: "test", outcome: "closed" }),
      1,
    );
    assert.equal(
      value(m, "dynatrace_relay_problem_closes_total", { environment: "test", outcome: "not_found" }),
      0,
    );
  });

  test("when an outage holds the alert's refreshes past its timeout, then the replica takes the timeout for what it is and keeps refreshing", async () => {
    const { sim, clock, start } = await setup(SHORT);
    const a = await start();
    await a.post(AM, notification("firing", disk));
    // The delivery recorded at minute 0 (what the timeout is measured from), before the clock moves.
    await until(() => a.logs.find("alarm delivered").length === 1, 10_000, "the firing delivered");
    sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "ingest");
    const lookups = () =>
      sim.requests.filter((r) => r.method === "GET" && r.path === "/api/v2/problems").length;
    // Each refresh due looks up open and closed problems first. The one due at 10 minutes waits in
    // the outbox; those due at 20 and 30 find it still queued, and at 30 the event has timed out.
    for (let minutes = 10; minutes <= 30; minutes += 10) {
      const seen = lookups();
      clock.advance(10 * MINUTE);
      await until(() => lookups() >= seen + 2, 10_000, `the look-ups at minute ${minutes}`);
    }
    assert.equal(
      value(await a.scrape(), "dynatrace_relay_problem_refreshes_total", { environment: "test" }),
      1,
    );
    assert.equal(problemsOf(sim, disk.fingerprint)[0]?.status, "CLOSED", "the event timed out in the outage");
    sim.faults.clear();
    clock.advance(1000); // the queued refresh's retry is due
    await until(
      () => isOpen(sim, disk.fingerprint),
      10_000,
      "the queued refresh reopens the alert's problem",
    );
    const sent = sim.ingested.length;
    clock.advance(10 * MINUTE);
    await until(() => sim.ingested.length === sent + 1, 10_000, "refreshed after the outage");
    const m = await a.scrape();
    assert.equal(value(m, "dynatrace_relay_problem_refresh_stops_total", { environment: "test" }), 0);
    assert.equal(value(m, "dynatrace_relay_alerts_kept_open", { environment: "test" }), 1);
  });

  test("when an HA duplicate of the firing reaches a replica after another closed the problem, then that replica stops instead of reopening it", async () => {
    const { sim, clock, a, b } = await twoReplicas();
    await a.post(AM, notification("firing", disk));
    await until(() => isOpen(sim, disk.fingerprint));
    clock.advance(MINUTE);
    await b.post(AM, notification("resolved", disk));
    await until(() => sim.problems.closes.length === 1, 10_000, "closed by the other replica");
    clock.advance(MINUTE);
    await a.post(AM, notification("firing", disk)); // the HA pair's late copy: a duplicate on A
    const sent = sim.ingested.length;
    clock.advance(10 * MINUTE);
    await until(async () => (await refreshStops(a)) === 1, 10_000, "A stops");
    assert.equal(sim.ingested.length, sent, "no refresh reopened the problem");
    assert.ok(!isOpen(sim, disk.fingerprint));
  });

  test("when a replica's refresh waits out an outage while another replica closes the problem, then the stale refresh is dropped, not sent", async () => {
    const { sim, clock, a, b } = await twoReplicas();
    await a.post(AM, notification("firing", disk));
    await until(() => isOpen(sim, disk.fingerprint));
    const sent = sim.ingested.length;
    sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "ingest");
    clock.advance(10 * MINUTE);
    await until(
      async () =>
        value(await a.scrape(), "dynatrace_relay_problem_refreshes_total", { environment: "test" }) === 1,
      10_000,
      "A's refresh queued in the outage",
    );
    await b.post(AM, notification("resolved", disk));
    await until(() => sim.problems.closes.length === 1, 10_000, "closed by the other replica");
    clock.advance(10 * MINUTE);
    await until(async () => (await refreshStops(a)) === 1, 10_000, "A stops");
    sim.faults.clear();
    clock.advance(1000); // the queued refresh's retry is due
    await until(() => a.app.relay.summary()?.[0]?.queued === 0, 10_000, "A's outbox empty");
    assert.equal(sim.ingested.length, sent, "the stale refresh was not sent");
    assert.ok(!isOpen(sim, disk.fingerprint));
    assert.equal(sim.problems.all().length, 1);
  });

  test("when an HA pair's late firing copy reaches the replica after the resolve, then the alert stays resolved", async () => {
    const { sim, clock, start } = await setup(SHORT);
    const a = await start();
    await a.post(AM, notification("firing", disk));
    await until(() => isOpen(sim, disk.fingerprint));
    await a.post(AM, notification("resolved", disk));
    await until(() => sim.problems.closes.length === 1, 10_000, "closed");
    clock.advance(30_000);
    // The second Alertmanager's copies, half a minute later: duplicates within RELAY_DEDUPE_WINDOW.
    assert.equal(await a.post(AM, notification("firing", disk)), 202);
    assert.equal(await a.post(AM, notification("resolved", disk)), 202);
    const sent = sim.ingested.length;
    clock.advance(10 * MINUTE);
    await until(
      async () => value(await a.scrape(), "dynatrace_relay_alerts_kept_open", { environment: "test" }) === 0,
      10_000,
      "nothing kept open",
    );
    clock.advance(61_000); // past the close's second look
    await until(() => a.logs.find("relay alert resolved").length === 1, 10_000, "one resolve logged");
    assert.equal(sim.ingested.length, sent, "no refresh reopened the problem");
    assert.ok(!isOpen(sim, disk.fingerprint));
  });

  test("when the alert fires again before its resolve found the problem, then the close is dropped and the problem stays open", async () => {
    // Davis raises problems a minute after their event, so the resolve's first look-ups miss.
    const { sim, clock, start } = await setup(SHORT, { problemListDelayMs: MINUTE });
    const a = await start();
    await a.post(AM, notification("firing", disk));
    await until(() => sim.ingested.length === 1);
    await a.post(AM, notification("resolved", disk));
    await until(
      () => a.logs.find("no open problem of a resolved alert yet").length === 1,
      10_000,
      "the close's first look-up missed",
    );
    clock.advance(20_000);
    const again = notification("firing", disk);
    (again.alerts as { startsAt: string }[])[0]!.startsAt = "2026-11-01T12:40:00Z"; // a new episode
    assert.equal(await a.post(AM, again), 202);
    await until(() => sim.ingested.length === 2, 10_000, "the new firing sent");
    clock.advance(10 * MINUTE);
    await until(() => sim.ingested.length === 3, 10_000, "refreshed while it fires");
    assert.equal(sim.problems.closes.length, 0, "the firing alert's problem was not closed");
    assert.ok(isOpen(sim, disk.fingerprint));
    assert.match(await landing(a), /<td>1 kept open, 0 closing<\/td>/);
  });

  test("when Dynatrace's clock is behind the replicas', then a close right after the last delivery still stops the refreshing replica", async () => {
    const { sim, clock, a, b } = await twoReplicas(30_000);
    await firedOnAResolvedOnB(sim, a, b);
    const sent = sim.ingested.length;
    clock.advance(10 * MINUTE);
    await until(async () => (await refreshStops(a)) === 1, 10_000, "A stops");
    assert.equal(sim.ingested.length, sent, "no refresh reopened the problem");
  });

  test("when an HA pair's late firing copy reaches the replica that took only the resolve, then it is a duplicate and reopens nothing", async () => {
    const { sim, clock, a, b } = await twoReplicas();
    await firedOnAResolvedOnB(sim, a, b);
    clock.advance(10_000);
    const sent = sim.ingested.length;
    assert.equal(await b.post(AM, notification("firing", disk)), 202); // the other Alertmanager's copy
    const m = await b.scrape();
    assert.equal(value(m, "dynatrace_relay_alerts_kept_open", { environment: "test" }), 0);
    clock.advance(10 * MINUTE);
    await until(async () => (await refreshStops(a)) === 1, 10_000, "A stops");
    assert.equal(sim.ingested.length, sent, "the copy was not sent");
    assert.ok(!isOpen(sim, disk.fingerprint));
  });

  test("when an info-severity alert resolves, then no problem is looked for", async () => {
    const { sim, start } = await setup();
    const a = await start();
    const slow = { ...load, name: "Slow", severity: "warning" };
    await a.post(AM, notification("firing", slow));
    await a.post(AM, notification("resolved", slow));
    await until(() => sim.ingested.length === 2, 10_000, "both info events sent");
    assert.deepEqual(
      sim.ingested.map((b) => b.title),
      ["[FIRING] Slow", "[RESOLVED] Slow"],
    );
    assert.equal(a.logs.find("its problem will be closed").length, 0);
    assert.equal(sim.requests.filter((r) => r.path.startsWith("/api/v2/problems")).length, 0);
  });

  test("when the token lacks the problem scopes, then the resolve is logged once and counted, and the event times out instead", async () => {
    const scopes = ["DataExport", "events.read", "events.ingest"];
    const { sim, clock, start } = await setup(SHORT, { tokenScopes: scopes });
    const a = await start();
    await a.post(AM, notification("firing", disk));
    await until(() => isOpen(sim, disk.fingerprint));
    await a.post(AM, notification("resolved", disk));
    const failures = async () =>
      value(await a.scrape(), "dynatrace_relay_problem_close_failures_total", {
        environment: "test",
        reason: "forbidden",
      });
    await until(async () => (await failures()) === 1, 10_000, "close refused");
    clock.advance(5000); // the retry's backoff
    await until(async () => (await failures()) === 2, 10_000, "close retried");
    const m = await a.scrape();
    assert.equal(value(m, "dynatrace_relay_problems_api_up", { environment: "test" }), 0);
    const warned = a.logs.find("problems.read and problems.write");
    assert.equal(warned.length, 1, "logged once");
    assert.match(
      String(warned[0]?.err),
      /403 .*has the problems\.read scope$/,
      "the refusal names the scope",
    );
    assert.equal(sim.problems.closes.length, 0);
    clock.advance(31 * MINUTE);
    assert.equal(problemsOf(sim, disk.fingerprint)[0]?.status, "CLOSED", "the event timed out");
    assert.equal(sim.eventLife.records[0]?.ended?.reason, "TIMED_OUT");
    assert.equal(sim.ingested.length, 1, "not refreshed after the resolve");
  });
});
