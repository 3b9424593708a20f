import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { checkMetrics, promtoolSkip } from "../helpers/promtool.js";
import { samples, total, value } from "../helpers/exposition.js";
import { ProblemsTenant } from "../helpers/problems-tenant.js";
import { exporterFor, testClock } from "./exporter.js";

const MIN = 60_000;
const TYPES = 100_000;
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.splice(0)) await c();
});

describe("series cap", () => {
  test(
    "when a tenant sends 100,000 distinct event types, then the scrape stays under the cap, the folded counter is right and promtool accepts it",
    { skip: promtoolSkip() },
    async () => {
      const t = new ProblemsTenant();
      const url = await t.listen();
      closers.push(() => t.close());
      const clock = testClock();
      const now = clock.now();
      t.events = Array.from({ length: TYPES }, (_, i) => ({
        eventId: `${i + 1}_${now - MIN}`,
        eventType: `GENERATED_TYPE_${i}`,
        status: "CLOSED" as const,
        startTime: now - 2 * MIN,
        endTime: now - MIN,
      }));
      const { app, logs, scrape } = exporterFor(url, clock, { problems: "off" });
      closers.push(() => app.stop());
      assert.equal(await app.drainAll(), true);
      const text = await scrape();
      const series = samples(text, "dynatrace_events", { status: "CLOSED" });
      assert.equal(series.length, 10_000, "9,999 admitted label sets and the folded one");
      assert.equal(total(text, "dynatrace_events"), TYPES, "every event still counted");
      const other = { event_type: "other", severity_level: "other", impact_level: "other" };
      assert.equal(value(text, "dynatrace_events", { ...other, status: "CLOSED" }), TYPES - 9_999);
      assert.equal(
        value(text, "dynatrace_series_folded_total", { environment: "t", metric: "dynatrace_events" }),
        TYPES - 9_999,
      );
      assert.ok(samples(text, "dynatrace_events_observed_total").length <= 10_000);
      assert.equal(logs.find("series cap reached").length, 1);
      assert.ok(Buffer.byteLength(text) < 4 * 1024 * 1024, `scrape is ${Buffer.byteLength(text)} bytes`);

      // A second drain re-reads the same types: nothing is counted as folded twice.
      clock.advance(MIN);
      await app.drainAll();
      const again = await scrape();
      assert.equal(
        value(again, "dynatrace_series_folded_total", { metric: "dynatrace_events" }),
        TYPES - 9_999,
      );
      assert.equal(logs.find("series cap reached").length, 1);
      const checked = checkMetrics(again);
      assert.equal(checked.status, 0, checked.output);
    },
  );

  test("when maxSeries is small and problems carry many tag values, then the problems family folds too and counts stay exact", async () => {
    const t = new ProblemsTenant();
    const url = await t.listen();
    closers.push(() => t.close());
    const clock = testClock();
    const now = clock.now();
    t.problems = Array.from({ length: 50 }, (_, i) => ({
      problemId: `P${i}`,
      status: "OPEN" as const,
      severityLevel: "ERROR",
      impactLevel: "SERVICES",
      startTime: now - MIN,
      endTime: -1,
      entityTags: [{ key: "pod", value: `pod-${i}` }],
    }));
    const { app, scrape } = exporterFor(url, clock, { maxSeries: 10, dimensions: ["tag:pod"] });
    closers.push(() => app.stop());
    await app.drainAll();
    const text = await scrape();
    assert.equal(samples(text, "dynatrace_problems", { status: "OPEN" }).length, 10);
    assert.equal(total(text, "dynatrace_problems", { status: "OPEN" }), 50);
    assert.equal(
      value(text, "dynatrace_problems", { status: "OPEN", tag_pod: "other", severity_level: "other" }),
      41,
    );
    assert.equal(value(text, "dynatrace_series_folded_total", { metric: "dynatrace_problems" }), 41);
  });
});
