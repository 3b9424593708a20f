import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { samples, total, value } from "../helpers/exposition.js";
import { exportedProblemCounts, problemCounts } from "../helpers/problem-counts.js";
import { type FakeProblem, ProblemsTenant } from "../helpers/problems-tenant.js";
import { exporterFor, testClock } from "./exporter.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const WINDOW = 2 * HOUR;
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.splice(0)) await c();
});

async function tenant(): Promise<{ t: ProblemsTenant; url: string }> {
  const t = new ProblemsTenant();
  const url = await t.listen();
  closers.push(() => t.close());
  return { t, url };
}

const SEVERITIES = ["AVAILABILITY", "ERROR", "PERFORMANCE", "RESOURCE_CONTENTION", "CUSTOM_ALERT"];
const IMPACTS = ["APPLICATION", "SERVICES", "INFRASTRUCTURE", "ENVIRONMENT"];

/** `n` problems over the last 4 hours: open ones, closed ones (some ended before the window). */
function history(n: number, now: number): FakeProblem[] {
  return Array.from({ length: n }, (_, i) => {
    const start = now - 4 * HOUR + Math.floor((i * (4 * HOUR - MIN)) / n);
    const open = i % 3 === 0;
    return {
      problemId: `-${1000 + i}_${start}V2`,
      status: open ? "OPEN" : "CLOSED",
      severityLevel: SEVERITIES[i % SEVERITIES.length] as string,
      impactLevel: IMPACTS[i % IMPACTS.length] as string,
      startTime: start,
      endTime: open ? -1 : Math.min(now - 1000, start + ((i * 104_729) % HOUR)),
    };
  });
}

const truth = (problems: FakeProblem[], now: number) => problemCounts(problems, now, WINDOW);
const exported = (text: string) => exportedProblemCounts(text, { environment: "t" });

describe("problems collector", () => {
  test("when problems open and close across several pages, then dynatrace_problems equals the tenant's truth before and after", async () => {
    const { t, url } = await tenant();
    const clock = testClock();
    t.problems = history(1200, clock.now());
    const { app, scrape } = exporterFor(url, clock);
    closers.push(() => app.stop());
    assert.equal(await app.drainAll(), true);
    const first = await scrape();
    assert.deepEqual(exported(first), truth(t.problems, clock.now()));
    assert.equal(value(first, "dynatrace_problems_up", { environment: "t" }), 1);
    // Baseline: everything was there before the exporter started.
    assert.equal(total(first, "dynatrace_problems_opened_total"), 0);
    assert.equal(total(first, "dynatrace_problem_duration_seconds_count"), 0);
    const pages = t.requests.filter((u) => u.pathname === "/api/v2/problems");
    assert.ok(
      pages.some((u) => u.searchParams.has("nextPageKey")),
      "read more than one page",
    );
    assert.ok(
      pages.every((u) => u.searchParams.has("nextPageKey") || u.searchParams.get("pageSize") === "500"),
    );
    assert.ok(pages.some((u) => u.searchParams.get("problemSelector") === 'status("open")'));
    assert.equal(
      value(first, "dynatrace_api_requests_total", { endpoint: "v2_problems", code: "200" }),
      pages.length,
    );

    clock.advance(MIN);
    const now = clock.now();
    const open = t.problems.filter((p) => p.status === "OPEN").slice(0, 100);
    for (const p of open) Object.assign(p, { status: "CLOSED", endTime: now - 1000 });
    for (let i = 0; i < 50; i++) {
      t.problems.push({
        problemId: `-9${i}_${now}V2`,
        status: "OPEN",
        severityLevel: "AVAILABILITY",
        impactLevel: "SERVICES",
        startTime: now - 2000,
        endTime: -1,
      });
    }
    assert.equal(await app.drainAll(), true);
    const second = await scrape();
    assert.deepEqual(exported(second), truth(t.problems, now));
    assert.equal(total(second, "dynatrace_problems_opened_total"), 50);
    assert.equal(
      value(second, "dynatrace_problems_opened_total", {
        severity_level: "AVAILABILITY",
        impact_level: "SERVICES",
      }),
      50,
    );
    assert.equal(total(second, "dynatrace_problem_duration_seconds_count"), 100);
    const expectedSum = open.reduce((s, p) => s + (p.endTime - p.startTime) / 1000, 0);
    assert.ok(Math.abs(total(second, "dynatrace_problem_duration_seconds_sum") - expectedSum) < 1e-6);
  });

  test("when the exporter restarts, then its counters start from the baseline and increase() sees no spike", async () => {
    const { t, url } = await tenant();
    const clock = testClock();
    t.problems = history(300, clock.now());
    const before = exporterFor(url, clock);
    closers.push(() => before.app.stop());
    await before.app.drainAll();
    clock.advance(MIN);
    t.problems.push({
      problemId: "-77_1V2",
      status: "OPEN",
      severityLevel: "ERROR",
      impactLevel: "SERVICES",
      startTime: clock.now(),
      endTime: -1,
    });
    await before.app.drainAll();
    assert.equal(total(await before.scrape(), "dynatrace_problems_opened_total"), 1);
    await before.app.stop();

    clock.advance(MIN);
    const restarted = exporterFor(url, clock);
    closers.push(() => restarted.app.stop());
    await restarted.app.drainAll();
    const text = await restarted.scrape();
    assert.equal(total(text, "dynatrace_problems_opened_total"), 0);
    assert.equal(total(text, "dynatrace_problem_duration_seconds_count"), 0);
    assert.deepEqual(exported(text), truth(t.problems, clock.now()));
  });

  test("when the token lacks problems.read, then the collector turns off with one log line and a flag, events go on, and it asks again hourly", async () => {
    const { t, url } = await tenant();
    const clock = testClock();
    t.problems = history(10, clock.now());
    t.events = [
      {
        eventId: "1_1",
        eventType: "CPU_SATURATED",
        status: "OPEN",
        startTime: clock.now() - MIN,
        endTime: null,
      },
    ];
    t.problemsStatus = 403;
    const { app, logs, scrape } = exporterFor(url, clock);
    closers.push(() => app.stop());
    assert.equal(await app.drainAll(), true, "the events drain is not affected");
    clock.advance(MIN);
    await app.drainAll();
    const text = await scrape();
    assert.equal(value(text, "dynatrace_up", { environment: "t" }), 1);
    assert.equal(value(text, "dynatrace_problems_scope_missing", { environment: "t" }), 1);
    assert.equal(value(text, "dynatrace_problems_up", { environment: "t" }), 0);
    assert.equal(samples(text, "dynatrace_problems").length, 0);
    assert.equal(logs.find("problems.read").length, 1);
    assert.equal(t.count("/api/v2/problems"), 1, "not asked again within the hour");

    t.problemsStatus = undefined;
    clock.advance(HOUR);
    await app.drainAll();
    const later = await scrape();
    assert.equal(value(later, "dynatrace_problems_scope_missing", { environment: "t" }), 0);
    assert.equal(value(later, "dynatrace_problems_up", { environment: "t" }), 1);
    assert.deepEqual(exported(later), truth(t.problems, clock.now()));
  });

  test("when problems drains fail again and again, then one warning per reason while failing, repeats at debug, and one line on recovery", async () => {
    const { t, url } = await tenant();
    const clock = testClock();
    t.problems = history(20, clock.now());
    const { app, logs } = exporterFor(url, clock);
    closers.push(() => app.stop());
    const drain = async (status: number | undefined) => {
      t.problemsStatus = status;
      clock.advance(MIN);
      await app.drainAll();
    };
    const levels = (fragment: string) => logs.find(fragment).map((l) => l.level);
    for (const status of [500, 503, 500, 400, 400, undefined, undefined, 500]) await drain(status);
    // pino levels: 20 debug, 30 info, 40 warn.
    assert.deepEqual(levels("problems drain failed"), [40, 20, 20, 40, 20, 40]);
    assert.deepEqual(
      logs.find("problems drain failed").map((l) => l.reason),
      ["server_error", "server_error", "server_error", "client_error", "client_error", "server_error"],
    );
    assert.deepEqual(levels("problems drains recovered"), [30]);
  });

  test("when an environment reads the v1 feed and PROBLEMS is auto, then no problem family appears; PROBLEMS=on turns it on", async () => {
    const { url } = await tenant();
    const clock = testClock();
    const v1 = exporterFor(url, clock, { apiVersion: "v1" });
    closers.push(() => v1.app.stop());
    await v1.app.drainAll();
    assert.doesNotMatch(await v1.scrape(), /dynatrace_problem/);
    const on = exporterFor(url, clock, { apiVersion: "v1", problems: "on" });
    closers.push(() => on.app.stop());
    await on.app.drainAll();
    assert.match(await on.scrape(), /^dynatrace_problems_up\{environment="t"\} 1$/m);
  });
});
