import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "./scratch.js";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Where netdata's alarm-notify.sh may be: unpacked by .ci/run, or installed by the netdata package. */
const CANDIDATES = [
  `${ROOT}.cache/netdata/usr/lib/netdata/plugins.d/alarm-notify.sh`,
  "/usr/lib/netdata/plugins.d/alarm-notify.sh",
];

/** Path of netdata's real notifier script, if present. */
export function alarmNotifyScript(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/** Runs netdata's real alarm-notify.sh in `test` mode (WARNING, CRITICAL, CLEAR) against `base`,
 * configured with only the variables a user sets for the Dynatrace method; asserts it exits 0 and
 * returns its stderr. */
export async function runAlarmNotify(script: string, base: string, token: string): Promise<string> {
  const dir = scratchDir("dtee-netdata-");
  writeFileSync(
    join(dir, "health_alarm_notify.conf"),
    [
      'SEND_DYNATRACE="YES"',
      `DYNATRACE_SERVER="${base}"`,
      `DYNATRACE_TOKEN="${token}"`,
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
  return stderr;
}
