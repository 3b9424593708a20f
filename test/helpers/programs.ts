import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { alarmNotifyScript } from "./netdata-notifier.js";

/**
 * The Debian programs the full suite uses, each with the package that brings it and how to tell it
 * is here. One place decides, for every test that needs one, whether it runs, skips or fails:
 * docs/development.md and the README's test section list the same packages.
 */
export const PROGRAMS = {
  promtool: { package: "prometheus", found: () => runs("promtool", "--version") },
  prometheus: { package: "prometheus", found: () => runs("prometheus", "--version") },
  alertmanager: {
    package: "prometheus-alertmanager",
    found: () => runs("prometheus-alertmanager", "--version"),
  },
  tinyproxy: {
    package: "tinyproxy",
    found: () => ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"].some((p) => runs(p, "-v")),
  },
  openssl: { package: "openssl", found: () => runs("openssl", "version") },
  chromium: { package: "chromium", found: () => existsSync("/usr/bin/chromium") },
  // .ci/run unpacks the package into .cache/netdata rather than installing netdata's daemon.
  netdata: { package: "netdata-plugins-bash", found: () => alarmNotifyScript() !== undefined },
} as const;

/** A program of {@link PROGRAMS}. */
export type Program = keyof typeof PROGRAMS;

function runs(binary: string, flag: string): boolean {
  return spawnSync(binary, [flag], { stdio: "ignore" }).status === 0;
}

const announced = new Set<string>();

/**
 * The `skip` option for a test needing `programs`: false when all are installed, or under
 * `CI=true` (where .ci/run installs them, so a missing one must fail the test, not hide it);
 * otherwise a one-line reason naming the packages, printed once per process.
 */
export function skipWithout(...programs: Program[]): string | false {
  const missing = programs.filter((p) => !PROGRAMS[p].found());
  if (missing.length === 0 || process.env.CI === "true") return false;
  const packages = [...new Set(missing.map((p) => PROGRAMS[p].package))];
  const message = `needs ${missing.join(", ")}: apt-get install ${packages.join(" ")} (under CI=true this fails)`;
  if (!announced.has(message)) {
    announced.add(message);
    process.stderr.write(`*** SKIPPING: ${message} ***\n`);
  }
  return message;
}

/**
 * Whether a test may mount a filesystem (the disk-full test's tmpfs): only when asked, with
 * `TEST_MOUNT_TMPFS=1` or under `CI=true`, since mounting as root on a developer's machine is a
 * surprise no test run should spring.
 */
export function mountsAllowed(): boolean {
  return process.env.TEST_MOUNT_TMPFS === "1" || process.env.CI === "true";
}
