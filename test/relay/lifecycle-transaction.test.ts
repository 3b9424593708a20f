import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";
import { type Exporter, notification, startExporter } from "../helpers/exporters.js";
import { value } from "../helpers/exposition.js";
import { until } from "../helpers/wait.js";

const AM = "/api/v1/alertmanager";
const disk = { name: "DiskFull", instance: "web01:9100", severity: "critical", fingerprint: "a1b2c3d4" };

/** Runs `sql` on the exporter's outbox file through a connection of the test's own. */
function onOutbox(e: Exporter, sql: string): void {
  const db = new Database(join(e.dataDir, "relay-outbox.sqlite"), { timeout: 5000 });
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe("problem lifecycle and outbox in one transaction", () => {
  let sim: SimulatedDynatrace | undefined;
  let e: Exporter | undefined;
  after(async () => {
    await e?.stop();
    await sim?.close();
  });

  test("when the lifecycle write fails after the alarm was written, then neither is stored (503), and the agent's retry opens and keeps the problem", async () => {
    const clock = new ManualClock();
    sim = new SimulatedDynatrace({ clock: clock.now, eventsPerMinute: 0 });
    await sim.listen();
    e = await startExporter(sim, clock, { RELAY_API_VERSION: "v2" });
    // The kept-open alert's row cannot be written: the write that follows the outbox's fails.
    onOutbox(
      e,
      "CREATE TRIGGER refuse_keep BEFORE INSERT ON lifecycle_alerts BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );
    assert.equal(await e.post(AM, notification("firing", disk)), 503);
    const m = await e.scrape();
    assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 0, "no event queued");
    assert.equal(sim.ingested.length, 0, "no event sent for an alert that would never be refreshed");

    onOutbox(e, "DROP TRIGGER refuse_keep");
    assert.equal(await e.post(AM, notification("firing", disk)), 202, "the agent's retry");
    await until(() => sim?.ingested.length === 1, 10_000, "the problem-opening event sent");
    const kept = value(await e.scrape(), "dynatrace_relay_alerts_kept_open", { environment: "test" });
    assert.equal(kept, 1, "the alert is kept open (refreshed)");
  });
});
