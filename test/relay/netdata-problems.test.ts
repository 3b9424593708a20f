import assert from "node:assert/strict";
import { hostname } from "node:os";
import { afterEach, describe, test } from "node:test";
import { type Harness, startHarness } from "../helpers/harness.js";
import { alarmNotifyScript, runAlarmNotify } from "../helpers/netdata-notifier.js";
import { skipWithout } from "../helpers/programs.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("netdata alarms as problems", () => {
  test(
    "when netdata's real alarm-notify.sh sends WARNING, CRITICAL then CLEAR with the lifecycle on, then one problem opens and is closed",
    { skip: skipWithout("netdata") },
    async () => {
      const script = alarmNotifyScript();
      assert.ok(script, "alarm-notify.sh is present");
      h = await startHarness({
        relay: true,
        realClock: true,
        sim: { eventsPerMinute: 0 },
        env: {
          RELAY_API_VERSION: "v2",
          RELAY_LIFECYCLE: "netdata",
          RELAY_SEVERITY_MAP: "warning=CUSTOM_ALERT,critical=CUSTOM_ALERT",
        },
      });
      const base = await h.start();
      const stderr = await runAlarmNotify(script, base, h.relayToken);
      assert.equal(stderr.match(/INFO: sent CUSTOM_INFO to/g)?.length, 3, stderr);
      const key = JSON.stringify([hostname(), "test.chart.test_alarm"]);
      const sim = h.sim;
      const mine = () =>
        sim.problems
          .all()
          .filter((p) => p.events.some((e) => e.properties?.["alert.key"] === `netdata:${key}`));
      await until(
        () => mine().length === 1 && mine()[0]?.status === "CLOSED",
        60_000,
        "problem opened and closed",
      );
      const problem = mine()[0];
      assert.equal(problem?.title, `test.chart.test_alarm on ${hostname()}`);
      assert.equal(sim.problems.closes.length, 1);
      assert.match(sim.problems.closes[0]?.message ?? "", /test\.chart\.test_alarm on /);
      // WARNING opened it, CRITICAL (same mapped type) refreshed it; CLEAR is an info event.
      assert.deepEqual(
        sim.ingested.map((b) => b.eventType),
        ["CUSTOM_ALERT", "CUSTOM_ALERT", "CUSTOM_INFO"],
      );
      assert.equal(sim.eventLife.records[0]?.refreshes, 1);
    },
  );
});
