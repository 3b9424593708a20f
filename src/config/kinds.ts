import { z } from "zod";
import { formatByteSize, parseByteSize } from "./byte-size.js";
import { formatDuration, parseDuration } from "./duration.js";
import { quote } from "./quote.js";

/**
 * A setting's type with its bounds: how a variable's text and a config-file value parse into it
 * (with the messages errors show), how the docs describe it, and how `--check-config` prints it.
 * Both parsers enforce the same bounds, so a value is valid in the file exactly when it is valid
 * as a variable.
 */
export interface Kind<T, U extends string = ""> {
  /** The type and its bounds in words, for `--help` and the docs table ("duration, 1m to 2y"). */
  readonly type: string;
  /** Suffix of the config field holding the value: `Ms` for durations (`window` → `windowMs`). */
  readonly unit: U;
  /** Parses a variable's text; never given blank text (that means unset). */
  readonly text: z.ZodType<T, string>;
  /** Parses a config-file value: YAML's own scalars and lists, or text from `${VAR}`. */
  readonly file: z.ZodType<T, unknown>;
  /** The value as `--check-config` prints it (secret values never reach this). */
  show(value: T): unknown;
  /** Why a value is not below another setting's (named `other`, holding `limit`). */
  notBelow?(other: string, limit: number): string;
}

function fail(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

/** One config-file scalar as text: `window: 90` means `"90"`, as the variable would say it. */
const SCALAR = z
  .union([z.string(), z.number(), z.boolean()], {
    error: (issue) =>
      issue.input === undefined ? "is required" : "must be a single value, not a list or map",
  })
  .transform(String)
  .refine((text) => text.trim() !== "", "must not be empty");

/** A file parser that reads a scalar exactly as the variable's text parser reads it. */
export function fromScalar<T>(text: z.ZodType<T, string>): z.ZodType<T, unknown> {
  return SCALAR.pipe(text);
}

function scalarKind<T, U extends string = "">(
  type: string,
  text: z.ZodType<T, string>,
  extra: Partial<Pick<Kind<T, U>, "show" | "notBelow" | "unit">> = {},
): Kind<T, U> {
  return { type, unit: "" as U, text, file: fromScalar(text), show: (v) => v, ...extra };
}

/** A duration in Prometheus' form (`30s`, `1h30m`) or plain seconds, as milliseconds in `<key>Ms`. */
export function duration(bounds: { min: string; max?: string }): Kind<number, "Ms"> {
  const min = parseDuration(bounds.min) ?? 0;
  const max = bounds.max === undefined ? Number.POSITIVE_INFINITY : (parseDuration(bounds.max) ?? 0);
  const range = bounds.max === undefined ? `at least ${bounds.min}` : `${bounds.min} to ${bounds.max}`;
  const text = z.string().transform((t, ctx) => {
    const ms = parseDuration(t);
    if (ms === undefined) {
      return fail(ctx, `${quote(t)} is not a duration (use e.g. 30s, 5m, 1h30m, or plain seconds)`);
    }
    return ms < min || ms > max ? fail(ctx, `${quote(t)} is out of range (${range})`) : ms;
  });
  return scalarKind(min === 0 && bounds.max === undefined ? "duration" : `duration, ${range}`, text, {
    unit: "Ms",
    show: formatDuration,
    notBelow: (other) => `must be shorter than ${other}`,
  });
}

/** A whole number within bounds; `what` words the message for text that is not one. */
export function integer(bounds: { min: number; max?: number; what?: string }): Kind<number> {
  const { min, max = Number.POSITIVE_INFINITY, what = "a whole number" } = bounds;
  const text = z.string().transform((t, ctx) => {
    if (!/^\d+$/.test(t)) return fail(ctx, `must be ${what}`);
    const n = Number(t);
    if (n < min) return fail(ctx, `must be at least ${min}`);
    return n > max ? fail(ctx, `must be at most ${max}`) : n;
  });
  const range = Number.isFinite(max) ? `${min} to ${max}` : `at least ${min}`;
  return scalarKind(`integer, ${range}`, text, {
    notBelow: (other, limit) => `must be below ${other} (${limit})`,
  });
}

/**
 * One of a fixed set of words; `message` says what is wrong with another (already quoted);
 * `type` names a long set in the docs instead of listing it.
 */
export function oneOf<const V extends readonly string[]>(
  values: V,
  message: (quoted: string) => string,
  type = `one of ${values.join(", ")}`,
): Kind<V[number]> {
  const text = z.string().transform((t, ctx): V[number] => {
    const found = values.find((v) => v === t);
    return found === undefined ? fail(ctx, message(quote(t))) : found;
  });
  return scalarKind(type, text);
}

/** `true` or `false`. */
export function bool(): Kind<boolean> {
  const text = z
    .string()
    .transform((t, ctx) =>
      t === "true" ? true : t === "false" ? false : fail(ctx, "must be true or false"),
    );
  return scalarKind("true or false", text);
}

/** A size in bytes (`8MiB`, `16MB`, `1048576`) of at least `min` bytes, as bytes in `<key>Bytes`. */
export function byteSize(bounds: { min: number }): Kind<number, "Bytes"> {
  const min = formatByteSize(bounds.min);
  const text = z.string().transform((t, ctx) => {
    const bytes = parseByteSize(t);
    if (bytes === undefined || bytes < bounds.min) {
      return fail(ctx, `must be a size of at least ${min}, e.g. 8MiB or 8388608`);
    }
    return bytes;
  });
  return scalarKind(`byte size, at least ${min}`, text, { unit: "Bytes", show: formatByteSize });
}
