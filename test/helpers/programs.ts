import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { alarmNotifyScript } from "./netdata-notifier.js";

/** A Debian program: the package that brings it, its binary, where Debian puts it, how to ask it. */
interface ProgramInfo {
  package: string;
  binary: string;
  /** Places outside a user's PATH where the package installs it (sbin, for tinyproxy). */
  paths?: readonly string[];
  /** A flag it answers with exit 0; without one, an executable file is enough. */
  probe?: string;
}

/**
 * The Debian programs the full suite uses, each with the package that brings it. One place decides,
 * for every test that needs one, whether it runs, skips or fails, and finds the binary (PATH first,
 * then Debian's places): docs/development.md and the README's test section list the same packages.
 */
export const PROGRAMS = {
  promtool: { package: "prometheus", binary: "promtool", probe: "--version" },
  prometheus: { package: "prometheus", binary: "prometheus", probe: "--version" },
  alertmanager: {
    package: "prometheus-alertmanager",
    binary: "prometheus-alertmanager",
    probe: "--version",
  },
  tinyproxy: {
    package: "tinyproxy",
    binary: "tinyproxy",
    paths: ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"],
    probe: "-v",
  },
  openssl: { package: "openssl", binary: "openssl", probe: "version" },
  chromium: { package: "chromium", binary: "chromium", paths: ["/usr/bin/chromium"] },
  // .ci/run unpacks the package into .cache/netdata rather than installing netdata's daemon.
  netdata: { package: "netdata-plugins-bash", binary: "alarm-notify.sh" },
} as const satisfies Record<string, ProgramInfo>;

/** A program of {@link PROGRAMS}. */
export type Program = keyof typeof PROGRAMS;

const where = new Map<Program, string | undefined>();

/** The program's executable (PATH, then the package's own places), or undefined when it is missing. */
export function programPath(program: Program): string | undefined {
  if (where.has(program)) return where.get(program);
  const info: ProgramInfo = PROGRAMS[program];
  let found: string | undefined;
  if (program === "netdata") found = alarmNotifyScript();
  else {
    const onPath = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
    const candidates = [...onPath.map((d) => join(d, info.binary)), ...(info.paths ?? [])];
    found = candidates.find((c) => executable(c) && (!info.probe || runs(c, info.probe)));
  }
  where.set(program, found);
  return found;
}

/**
 * The program's executable for a test that runs it; when it is missing (only under `CI=true` does
 * a test get this far without it), throws the same one line a skip gives, before any work begins.
 */
export function requireProgram(program: Program): string {
  const path = programPath(program);
  if (path === undefined) throw new Error(missingMessage([program]));
  return path;
}

function missingMessage(missing: Program[]): string {
  const packages = [...new Set(missing.map((p) => PROGRAMS[p].package))];
  return `needs ${missing.join(", ")}: apt-get install ${packages.join(" ")}`;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

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
  const missing = programs.filter((p) => programPath(p) === undefined);
  if (missing.length === 0 || process.env.CI === "true") return false;
  const message = `${missingMessage(missing)} (under CI=true this fails)`;
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
