import assert from "node:assert/strict";
import { hostname } from "node:os";
import { afterEach, describe, test } from "node:test";
import { value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { alarmNotifyScript, runAlarmNotify } from "../helpers/netdata-notifier.js";
import { skipWithout } from "../helpers/programs.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("netdata's own notifier", () => {
  test(
    "when netdata's real alarm-notify.sh sends its test alarms to the exporter, then all three reach Dynatrace",
    { skip: skipWithout("netdata") },
    async () => {
      const script = alarmNotifyScript();
      assert.ok(script, "alarm-notify.sh is present");
      h = await startHarness({ relay: true, realClock: true });
      const base = await h.start();
      const stderr = await runAlarmNotify(script, base, h.relayToken);
      assert.equal(stderr.match(/INFO: sent CUSTOM_INFO to/g)?.length, 3, stderr);
      await until(() => h?.sim.pushed.length === 3);
      const descriptions = h.sim.pushed.map((p) => p.description);
      assert.deepEqual(
        descriptions,
        ["WARNING", "CRITICAL", "CLEAR"].map(
          (s) => `Netdata Notification for: ${hostname()} test.chart.test_alarm is ${s}`,
        ),
      );
      assert.deepEqual(h.sim.pushed[0]?.attachRules, {
        tagRule: [{ meTypes: ["HOST"], tags: [{ context: "CONTEXTLESS", key: "netdata" }] }],
      });
      const m = await h.scrape();
      assert.equal(value(m, "dynatrace_relay_received_total", { source: "netdata", outcome: "accepted" }), 3);
    },
  );
});
