import { existsSync } from "node:fs";

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
