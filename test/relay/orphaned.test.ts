import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { runCli } from "../helpers/cli.js";
import { ManualClock } from "../helpers/clock.js";
import { type Exporter, startExporter } from "../helpers/exporters.js";
import { value } from "../helpers/exposition.js";
import { until } from "../helpers/wait.js";

let sim: SimulatedDynatrace | undefined;
let exporters: Exporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.map((e) => e.stop()));
  await sim?.close();
  exporters = [];
});

const alarm = (i: number) => ({ host: "web01", chart: "disk", alarm: `a${i}`, status: "CRITICAL" });
const alarmsOf = (s: SimulatedDynatrace) =>
  s.pushed.map((p) => (p.customProperties as Record<string, string>).alarm).sort();

describe("alarms of environments no longer configured", () => {
  test("when an environment with queued alarms is renamed, then at start its alarms become dead letters (orphaned), logged once with counts, counted, listed, and replayable to another environment", async () => {
    // The wall clock: the CLI stamps replayed alarms due at its own time.
    const clock = new ManualClock(Date.now(), true);
    sim = new SimulatedDynatrace({ clock: clock.now, eventsPerMinute: 0 });
    await sim.listen();
    const s = sim;
    s.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    const stage = await startExporter(s, clock, { DYNATRACE_ENVIRONMENT: "stage" });
    exporters.push(stage);
    for (let i = 0; i < 100; i++) assert.equal(await stage.post("/api/v1/alarms", alarm(i)), 202);
    await stage.stop();
    s.faults.clear();

    const prod = await startExporter(s, clock, { DYNATRACE_ENVIRONMENT: "prod" }, stage.dataDir);
    exporters.push(prod);
    const logged = prod.logs.find("no longer configured");
    assert.equal(logged.length, 1, "logged once");
    assert.deepEqual(logged[0]?.orphaned, { stage: 100 });
    assert.match(String(logged[0]?.msg), /100 of stage/);
    const m = await prod.scrape();
    assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "stage" }), 100);
    assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "prod" }), 0);

    const listed = await runCli([
      "dead-letters",
      "list",
      "--environment",
      "stage",
      "--json",
      "--data-dir",
      prod.dataDir,
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    const list = JSON.parse(listed.stdout) as { total: number; deadLetters: { reason: string }[] };
    assert.equal(list.total, 100);
    assert.ok(list.deadLetters.every((d) => d.reason === "orphaned"));

    const replay = await runCli([
      "dead-letters",
      "replay",
      "--environment",
      "stage",
      "--to",
      "prod",
      "--data-dir",
      prod.dataDir,
    ]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(replay.stdout, "replayed 100\n");
    await until(() => s.pushed.length >= 100, 20_000, "the replayed alarms delivered to prod");
    assert.deepEqual(alarmsOf(s), Array.from({ length: 100 }, (_, i) => `a${i}`).sort());
  });
});
