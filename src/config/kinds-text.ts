import { z } from "zod";
import { fromScalar, type Kind } from "./kinds.js";
import { type DynatraceAddress, parseDynatraceUrl } from "./url.js";

/**
 * Text as given, or (with `pattern`) text matching it, else `message`. `trim` drops surrounding
 * white space first (tokens pasted with a newline); `type` names it in the docs.
 */
export function text(
  options: { pattern?: RegExp; message?: string; trim?: boolean; type?: string } = {},
): Kind<string> {
  const { pattern, message = `must match ${String(pattern)}`, trim = false, type = "text" } = options;
  const parse = z
    .string()
    .transform((t) => (trim ? t.trim() : t))
    .refine((t) => pattern === undefined || pattern.test(t), message);
  return { type, unit: "", text: parse, file: fromScalar(parse), show: (v) => v };
}

/** A path of a file (or, `directory`, of a directory), trimmed; read by the code that uses it. */
export function path(what: "file" | "directory" = "file"): Kind<string> {
  return text({ trim: true, type: `${what} path` });
}

/**
 * A list: comma-separated in a variable (blanks dropped), a YAML list in the file. `check` says
 * why one entry is unacceptable (the message names the entry), or returns undefined.
 */
export function list(check: (entry: string) => string | undefined = () => undefined): Kind<string[]> {
  const checked = (items: string[], ctx: z.RefinementCtx): string[] => {
    for (const item of items) {
      const problem = check(item);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    }
    return items;
  };
  const fromText = z.string().transform((t, ctx) =>
    checked(
      t
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== ""),
      ctx,
    ),
  );
  const fromFile = z
    .array(fromScalar(z.string().transform((t) => t.trim())), {
      error: (issue) => (issue.input === undefined ? "is required" : "must be a list, e.g. [A, B]"),
    })
    .transform(checked);
  return { type: "list", unit: "", text: fromText, file: fromFile, show: (v) => v };
}

/** A Dynatrace environment URL, normalised into the address the client needs. */
export function dynatraceUrl(): Kind<DynatraceAddress> {
  const parse = z.string().transform((t, ctx) => {
    try {
      return parseDynatraceUrl(t);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });
  return {
    type: "URL",
    unit: "",
    text: parse,
    file: fromScalar(parse),
    show: (a) => `${a.origin}${a.basePath}`,
  };
}
