import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

/** Why the netdata test cannot run here, or false. In CI a missing script is a failure, not a skip. */
export function alarmNotifySkip(): string | false {
  if (alarmNotifyScript() || process.env.CI === "true") return false;
  return "netdata's alarm-notify.sh not found (bash .ci/run unpacks Debian's netdata-plugins-bash into .cache/netdata)";
}

/** Runs netdata's real alarm-notify.sh in `test` mode (WARNING, CRITICAL, CLEAR) against `base`,
 * configured with only the variables a user sets for the Dynatrace method; asserts it exits 0 and
 * returns its stderr. */
export async function runAlarmNotify(script: string, base: string, token: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "dtee-netdata-"));
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
