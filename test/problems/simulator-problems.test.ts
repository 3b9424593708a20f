import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { managementZonesOf } from "../../src/simulator/entity-meta.js";
import type { SimProblem } from "../../src/simulator/problems.js";
import { samples, total, value } from "../helpers/exposition.js";
import { exportedProblemCounts, problemCounts } from "../helpers/problem-counts.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { checkMetrics, promtoolSkip } from "../helpers/promtool.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const WINDOW = 24 * HOUR;
const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness({
    ...options,
    sim: { seed: 5, ...options.sim },
    env: { DYNATRACE_API_VERSION: "v2", HTTP_TIMEOUT: "30s", ...options.env },
  });
  harnesses.push(h);
  return h;
}

const truth = (problems: SimProblem[], now: number) => problemCounts(problems, now, WINDOW);
const exported = (text: string) => exportedProblemCounts(text);

/** The exposition after problems opened and closed, checked by promtool in a test of its own. */
let afterOpenAndClose: string | undefined;

describe("problems collector against the simulator", () => {
  test("when the simulator's problems open and close, then dynatrace_problems equals its model, read in several pages", async () => {
    const h = await harness();
    const startedAt = h.clock.now();
    h.sim.generator.history(3000, 20 * HOUR, startedAt);
    assert.equal(await h.drain(), true);
    const first = await h.scrape();
    const problems = h.sim.problems.all();
    assert.ok(problems.length > 1000, `${problems.length} problems: more than two pages of 500`);
    assert.deepEqual(exported(first), truth(problems, h.clock.now()));
    assert.equal(total(first, "dynatrace_problems_opened_total"), 0, "the first drain is the baseline");
    const listReads = h.sim.requests.filter((r) => r.path === "/api/v2/problems");
    assert.ok(listReads.filter((r) => r.query.has("nextPageKey")).length >= 3);

    h.clock.advance(30 * MIN);
    h.sim.generator.advanceTo(h.clock.now());
    assert.equal(await h.drain(), true);
    const second = await h.scrape();
    const now = h.sim.problems.all();
    assert.deepEqual(exported(second), truth(now, h.clock.now()));
    const opened = now.filter((p) => p.startTime >= startedAt).length;
    assert.ok(opened > 0, "the stream opened problems");
    assert.equal(total(second, "dynatrace_problems_opened_total"), opened);
    const closedSince = now.filter((p) => p.status === "CLOSED" && p.endTime >= startedAt).length;
    assert.equal(total(second, "dynatrace_problem_duration_seconds_count"), closedSince);
    afterOpenAndClose = second;
    assert.equal(
      value(second, "dynatrace_api_requests_total", { endpoint: "v2_problems", code: "200" }),
      h.sim.requests.filter((r) => r.path === "/api/v2/problems").length,
    );
  });

  test(
    "when problems opened and closed, then promtool accepts the exposition",
    { skip: promtoolSkip() },
    () => {
      assert.ok(afterOpenAndClose, "the exposition of the test before");
      const lint = checkMetrics(afterOpenAndClose);
      assert.equal(lint.status, 0, lint.output);
    },
  );

  test("when the token lacks problems.read, then the collector is off with one log line while events are drained", async () => {
    const h = await harness({ sim: { tokenScopes: ["DataExport", "events.read"] } });
    h.sim.generator.history(200, 2 * HOUR, h.clock.now());
    assert.equal(await h.drain(), true);
    h.clock.advance(MIN);
    assert.equal(await h.drain(), true);
    const text = await h.scrape();
    assert.equal(value(text, "dynatrace_up", { environment: "test" }), 1);
    assert.ok(total(text, "dynatrace_events") > 0);
    assert.equal(value(text, "dynatrace_problems_scope_missing", { environment: "test" }), 1);
    assert.equal(value(text, "dynatrace_api_requests_total", { endpoint: "v2_problems", code: "403" }), 1);
    assert.equal(h.logs.find("lacks the problems.read scope").length, 1);
  });

  test("when management_zone is opted in, then every zone's series counts exactly the simulator's problems in that zone", async () => {
    const h = await harness({
      settings: { dimensions: ["management_zone", "tag:env"], staticLabels: { team: "sre" } },
    });
    h.sim.generator.history(1500, 20 * HOUR, h.clock.now());
    assert.equal(await h.drain(), true);
    const text = await h.scrape();
    const byZone = new Map<string, number>();
    let multiZone = 0;
    for (const p of h.sim.problems.all()) {
      if (p.status === "CLOSED" && p.endTime < h.clock.now() - WINDOW) continue;
      if (p.managementZones.length > 1) multiZone++;
      const zones = p.managementZones.length > 0 ? p.managementZones.map((z) => z.name) : [""];
      for (const z of zones) byZone.set(z, (byZone.get(z) ?? 0) + 1);
    }
    assert.ok(multiZone > 0, "some problems are in two zones");
    for (const [zone, n] of byZone) {
      assert.equal(total(text, "dynatrace_problems", { team: "sre", management_zone: zone }), n, zone);
    }
    assert.ok(
      samples(text, "dynatrace_problems").every((s) => /^(prod|staging|dev)$/.test(s.labels.tag_env ?? "")),
    );
    // The v2 events carry their entity's zones: an event in two zones counts in both.
    const eventsByZone = new Map<string, number>();
    for (const e of h.sim.store.all()) {
      if (e.endTime !== -1 && e.endTime < h.clock.now() - WINDOW) continue;
      const zones = managementZonesOf(e.entityId).map((z) => z.name);
      for (const z of zones.length > 0 ? zones : [""]) eventsByZone.set(z, (eventsByZone.get(z) ?? 0) + 1);
    }
    for (const [zone, n] of eventsByZone) {
      assert.equal(total(text, "dynatrace_events", { team: "sre", management_zone: zone }), n, zone);
    }
  });

  test("when a v1 environment opts into management_zone, then its problems carry the label and its events (which have no zones) do not", async () => {
    const h = await harness({
      env: { DYNATRACE_API_VERSION: "v1", PROBLEMS: "on" },
      settings: { dimensions: ["management_zone"] },
    });
    h.sim.generator.history(300, 4 * HOUR, h.clock.now());
    assert.equal(await h.drain(), true);
    const text = await h.scrape();
    assert.ok(samples(text, "dynatrace_events").length > 0);
    assert.ok(samples(text, "dynatrace_events").every((s) => !("management_zone" in s.labels)));
    assert.doesNotMatch(text, /# HELP dynatrace_events .*zone/);
    assert.ok(samples(text, "dynatrace_problems").every((s) => "management_zone" in s.labels));
    assert.match(text, /# HELP dynatrace_problems .*once in each zone's series/);
  });
});
