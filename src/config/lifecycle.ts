import { ConfigError } from "./errors.js";

/** Inputs whose alerts can open and close problems. */
export const LIFECYCLE_INPUTS = ["alertmanager", "grafana", "netdata", "native"] as const;
/** One of {@link LIFECYCLE_INPUTS}. */
export type LifecycleInput = (typeof LIFECYCLE_INPUTS)[number];

/** v2 event types that open (or join) a problem. */
export const PROBLEM_TYPES = [
  "AVAILABILITY_EVENT",
  "ERROR_EVENT",
  "PERFORMANCE_EVENT",
  "RESOURCE_CONTENTION_EVENT",
  "CUSTOM_ALERT",
] as const;
/** v2 event types a severity may map to that never open a problem. */
export const INFO_TYPES = ["CUSTOM_INFO", "WARNING"] as const;
const MAPPABLE: readonly string[] = [...PROBLEM_TYPES, ...INFO_TYPES];

/** Severity (lower case) to v2 event type; severities not listed stay info events. */
export type SeverityMap = Readonly<Record<string, string>>;

/** The problem lifecycle settings in effect for one environment. */
export interface LifecycleSettings {
  /** Inputs whose alerts open and close problems (empty: the lifecycle is off). */
  inputs: readonly LifecycleInput[];
  severityMap: SeverityMap;
  /** `timeout` of problem-opening events, in minutes (v2 caps it at 360). */
  timeoutMinutes: number;
  /** How often the replica that saw an alert firing re-sends its event. */
  refreshMs: number;
}

/** Defaults of the RELAY_* variables, as they are documented. */
export const LIFECYCLE_DEFAULTS = {
  RELAY_LIFECYCLE: "alertmanager,grafana",
  RELAY_SEVERITY_MAP: "critical=CUSTOM_ALERT,error=CUSTOM_ALERT,page=CUSTOM_ALERT",
  RELAY_PROBLEM_TIMEOUT: "6h",
  RELAY_PROBLEM_REFRESH: "1h",
} as const;

/** True when events of this v2 type open (or join) a problem. */
export function opensProblem(eventType: string): boolean {
  return (PROBLEM_TYPES as readonly string[]).includes(eventType);
}

/**
 * Parses RELAY_LIFECYCLE (or a file's `relay.lifecycle`): `on` (every input), `off`, or a comma
 * list of `alertmanager`, `grafana`, `netdata`, `native`. Throws {@link ConfigError} naming `variable`.
 */
export function parseLifecycleInputs(variable: string, text: string): LifecycleInput[] {
  const items = text
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  if (items.length === 1 && items[0] === "on") return [...LIFECYCLE_INPUTS];
  if (items.length === 0 || (items.length === 1 && items[0] === "off")) return [];
  for (const item of items) {
    if (!(LIFECYCLE_INPUTS as readonly string[]).includes(item)) {
      throw new ConfigError(
        variable,
        `unknown input "${item.slice(0, 40)}" (use on, off, or a list of ${LIFECYCLE_INPUTS.join(", ")})`,
      );
    }
  }
  return [...new Set(items)] as LifecycleInput[];
}

/**
 * Parses RELAY_SEVERITY_MAP (`critical=CUSTOM_ALERT,warning=CUSTOM_INFO`) or a file's
 * `relay.severityMap` (a map). Severities are compared in lower case; `RESOURCE_CONTENTION` is
 * read as v2's `RESOURCE_CONTENTION_EVENT`. Throws {@link ConfigError} naming `variable`.
 */
export function parseSeverityMap(variable: string, value: string | Record<string, string>): SeverityMap {
  const pairs =
    typeof value === "string"
      ? value
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
          .map((s) => {
            const at = s.indexOf("=");
            if (at <= 0) throw new ConfigError(variable, `"${s.slice(0, 60)}" is not severity=EVENT_TYPE`);
            return [s.slice(0, at), s.slice(at + 1)] as const;
          })
      : Object.entries(value);
  const out: Record<string, string> = {};
  for (const [severity, rawType] of pairs) {
    const type =
      rawType.trim().toUpperCase() === "RESOURCE_CONTENTION"
        ? "RESOURCE_CONTENTION_EVENT"
        : rawType.trim().toUpperCase();
    if (!MAPPABLE.includes(type)) {
      throw new ConfigError(
        variable,
        `unsupported event type "${rawType.slice(0, 60)}" for ${severity.slice(0, 60)} (use ${MAPPABLE.join(", ")})`,
      );
    }
    out[severity.trim().toLowerCase()] = type;
  }
  return out;
}

/** The lifecycle's declared relay settings (settings-relay.ts), as the variables gave them. */
export interface LifecycleValues {
  lifecycle: string;
  severityMap: SeverityMap;
  problemTimeoutMs: number;
  problemRefreshMs: number;
}

/**
 * Combines the declared RELAY_LIFECYCLE, RELAY_SEVERITY_MAP, RELAY_PROBLEM_TIMEOUT (1m to 6h,
 * whole minutes) and RELAY_PROBLEM_REFRESH into the settings in effect. The refresh must stay at
 * most half the timeout, so one lost refresh never lets the event time out; else a
 * {@link ConfigError} naming RELAY_PROBLEM_REFRESH.
 */
export function lifecycleFromValues(v: LifecycleValues): LifecycleSettings {
  if (v.problemTimeoutMs % 60_000 !== 0) {
    throw new ConfigError(
      "RELAY_PROBLEM_TIMEOUT",
      "must be whole minutes (the event's `timeout` is in minutes), e.g. 90m or 6h",
    );
  }
  const timeoutMinutes = v.problemTimeoutMs / 60_000;
  if (v.problemRefreshMs > (timeoutMinutes * 60_000) / 2) {
    throw new ConfigError(
      "RELAY_PROBLEM_REFRESH",
      `must be a duration from 10s to half of RELAY_PROBLEM_TIMEOUT (${timeoutMinutes / 2} min)`,
    );
  }
  return {
    inputs: parseLifecycleInputs("RELAY_LIFECYCLE", v.lifecycle),
    severityMap: v.severityMap,
    timeoutMinutes,
    refreshMs: v.problemRefreshMs,
  };
}

/** An environment's settings: its config-file `relay.lifecycle` / `relay.severityMap` over the variables'. */
export function lifecycleForEnvironment(
  base: LifecycleSettings,
  where: string,
  file:
    { lifecycle?: string | undefined; severityMap?: string | Record<string, string> | undefined } | undefined,
): LifecycleSettings {
  if (!file) return base;
  return {
    ...base,
    ...(file.lifecycle === undefined
      ? {}
      : { inputs: parseLifecycleInputs(`${where}.lifecycle`, file.lifecycle) }),
    ...(file.severityMap === undefined
      ? {}
      : { severityMap: parseSeverityMap(`${where}.severityMap`, file.severityMap) }),
  };
}
