import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, test } from "node:test";
import { ProblemsTenant } from "../helpers/problems-tenant.js";
import { exporterFor, testClock } from "../problems/exporter.js";
import { renderGolden } from "./render.js";

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.splice(0)) await c();
});

describe("golden /metrics", () => {
  test("when the seeded history is drained, then the exposition equals the reviewed golden file (npm run golden)", async () => {
    const golden = readFileSync(new URL("./metrics.prom", import.meta.url), "utf8");
    const now = await renderGolden();
    assert.equal(now, golden);
  });
});

/** Family names of a text exposition. */
function families(text: string): string[] {
  return [...text.matchAll(/^# TYPE (dynatrace_\w+) /gm)].map((m) => m[1] as string);
}

/**
 * The families that render only when problems are collected and a series cap is reached: a v2
 * tenant of the test's own with closed problems and more event types than a cap of 10.
 */
async function conditionalFamilies(): Promise<string[]> {
  const t = new ProblemsTenant();
  const url = await t.listen();
  closers.push(() => t.close());
  const clock = testClock();
  const now = clock.now();
  t.events = Array.from({ length: 20 }, (_, i) => ({
    eventId: `${i + 1}_${now - 60_000}`,
    eventType: `GENERATED_TYPE_${i}`,
    status: "CLOSED" as const,
    startTime: now - 120_000,
    endTime: now - 60_000,
  }));
  t.problems = [
    {
      problemId: "p1",
      status: "OPEN",
      severityLevel: "ERROR",
      impactLevel: "SERVICES",
      startTime: now - 600_000,
      endTime: -1,
    },
  ];
  const { app, scrape } = exporterFor(url, clock, { problems: "on", maxSeries: 10 });
  closers.push(() => app.stop());
  assert.equal(await app.drainAll(), true);
  return families(await scrape());
}

describe("README metrics table", () => {
  test("when compared with the golden exposition and the problems and cap families, then it lists exactly the families the exporter exports", async () => {
    const golden = readFileSync(new URL("./metrics.prom", import.meta.url), "utf8");
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const conditional = await conditionalFamilies();
    for (const f of ["dynatrace_problems", "dynatrace_series_folded_total"]) {
      assert.ok(conditional.includes(f), `${f} rendered with problems on and a cap reached`);
    }
    const exported = [...new Set([...families(golden), ...conditional])].sort();
    const documented = [...readme.matchAll(/^\| `(dynatrace_\w+)`/gm)].map((m) => m[1]).sort();
    assert.deepEqual(documented, exported);
  });
});
