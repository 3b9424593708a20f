import { z } from "zod";
import { ConfigError } from "./errors.js";
import { fromScalar, type Kind } from "./kinds.js";
import { parseLifecycleInputs, parseSeverityMap, type SeverityMap } from "./lifecycle.js";

/** Runs a parser that throws {@link ConfigError}, turning its problem into a zod issue. */
function checked<I, T>(parse: (input: I) => T) {
  return (input: I, ctx: z.RefinementCtx): T => {
    try {
      return parse(input);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      ctx.addIssue({ code: "custom", message: err.problem });
      return z.NEVER;
    }
  };
}

/**
 * The inputs of the problem lifecycle: `on`, `off`, or a comma list of `alertmanager`, `grafana`,
 * `netdata`, `native` (config/lifecycle.ts). Kept as written once valid: the relay parses it per environment.
 */
export function lifecycleInputs(): Kind<string> {
  const parse = z.string().transform(
    checked((t: string) => {
      parseLifecycleInputs("", t);
      return t.trim();
    }),
  );
  return {
    type: "on, off, or list of alertmanager, grafana, netdata, native",
    unit: "",
    text: parse,
    file: fromScalar(parse),
    show: (v) => v,
  };
}

/**
 * Severity to v2 event type: `critical=CUSTOM_ALERT,warning=CUSTOM_INFO` in a variable, that text
 * or a map in the file; normalised (severity in lower case, v2 type names) by config/lifecycle.ts.
 */
export function severityMap(): Kind<SeverityMap> {
  const text = z.string().transform(checked((t: string) => parseSeverityMap("", t)));
  const file = z.unknown().transform((v, ctx) => {
    if (typeof v === "string") return checked((t: string) => parseSeverityMap("", t))(v, ctx);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      return checked((m: Record<string, string>) => parseSeverityMap("", m))(stringValues(v), ctx);
    }
    ctx.addIssue({
      code: "custom",
      message: "must be a map of severity to event type, or severity=TYPE,...",
    });
    return z.NEVER;
  });
  return {
    type: "map severity=EVENT_TYPE",
    unit: "",
    text,
    file,
    show: (v) => v,
  };
}

/** Label name to fixed value (config file map; `name=value,...` as text). Checked by labels.ts. */
export function labelMap(): Kind<Record<string, string>> {
  const text = z.string().transform((t) =>
    Object.fromEntries(
      t
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
        .map((s) => [s.slice(0, Math.max(0, s.indexOf("="))), s.slice(s.indexOf("=") + 1)]),
    ),
  );
  const file = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String), {
    error: () => "must be a map of label name to value",
  });
  return { type: "map name: value", unit: "", text, file, show: (v) => v };
}

/** A YAML map's values as text (`page: 1` means `"1"`). */
function stringValues(v: object): Record<string, string> {
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}
