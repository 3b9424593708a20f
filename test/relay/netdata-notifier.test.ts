import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { alarmNotifyScript, alarmNotifySkip } from "../helpers/netdata-notifier.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("netdata's own notifier", () => {
  test(
    "when netdata's real alarm-notify.sh sends its test alarms to the exporter, then all three reach Dynatrace",
    { skip: alarmNotifySkip() },
    async () => {
      const script = alarmNotifyScript();
      assert.ok(script, "alarm-notify.sh is present");
      h = await startHarness({ relay: true, realClock: true });
      const base = await h.start();
      const dir = mkdtempSync(join(tmpdir(), "dtee-netdata-"));
      // Only the variables a user sets for the Dynatrace method; the server is the exporter.
      writeFileSync(
        join(dir, "health_alarm_notify.conf"),
        [
          'SEND_DYNATRACE="YES"',
          `DYNATRACE_SERVER="${base}"`,
          `DYNATRACE_TOKEN="${h.relayToken}"`,
          'DYNATRACE_SPACE="test"',
          'DYNATRACE_TAG_VALUE="netdata"',
          'DYNATRACE_ANNOTATION_TYPE="Netdata Alarm"',
          'DYNATRACE_EVENT="CUSTOM_INFO"',
          'DEFAULT_RECIPIENT_DYNATRACE="dynatrace"',
        ].join("\n"),
      );
      const child = spawn("bash", [script, "test", "dynatrace"], {
        env: {
          PATH: process.env.PATH ?? "",
          NETDATA_USER_CONFIG_DIR: dir,
          NETDATA_STOCK_CONFIG_DIR: join(dir, "no-stock-config"),
          NETDATA_CACHE_DIR: join(dir, "cache"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const [code] = (await once(child, "close")) as [number];
      assert.equal(code, 0, stderr);
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
