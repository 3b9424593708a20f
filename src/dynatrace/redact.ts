import { redactRuns, transformedForms } from "./secret-runs.js";

/** Longest upstream text (error messages) kept for errors, logs and pages. */
export const MAX_UPSTREAM_TEXT = 200;

/** Anything shaped like a Dynatrace token, ours or not (`dt0c01.<24>.<64>`). */
const DYNATRACE_TOKEN = /dt0c01\.[a-z0-9]{24}\.[a-z0-9]{64}/gi;
/** C0 and C1 control characters, DEL, and the Unicode line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Shorter secrets are not searched for: they would match ordinary words. */
const MIN_SECRET = 6;

/**
 * The forms a secret takes when a server echoes it: as is (matched case-insensitively), URL- and
 * form-encoded, and base64 / base64url at each of the three byte alignments it can sit at inside
 * a longer base64 text (e.g. `Basic base64(user:secret)`), minus the characters it shares with
 * its neighbours. A token's secret part (after the last `.`) is searched for on its own too.
 */
export function secretForms(secret: string): string[] {
  const parts = new Set<string>([secret]);
  const tail = secret.slice(secret.lastIndexOf(".") + 1);
  if (tail.length >= 16) parts.add(tail);
  const forms = new Set<string>();
  for (const part of parts) {
    forms.add(part);
    forms.add(encodeURIComponent(part));
    forms.add(encodeURIComponent(part).replace(/%20/g, "+"));
    forms.add(encodeURIComponent(part).replace(/[.!~*'()-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`));
    const bytes = Buffer.from(part, "utf8");
    for (let k = 0; k < 3; k++) {
      const padded = Buffer.concat([Buffer.alloc(k), bytes]);
      const from = Math.ceil((8 * k) / 6);
      const to = Math.floor((8 * (k + bytes.length)) / 6);
      forms.add(padded.toString("base64").slice(from, to));
      forms.add(padded.toString("base64url").slice(from, to));
    }
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET);
}

/**
 * Makes text from outside (an API error message, a network error's text) safe to log and show:
 * every form of every given secret (see {@link secretForms}), every run of 16+ characters of a
 * secret or of its transformed forms (see {@link redactRuns}), and anything shaped like a
 * Dynatrace token becomes `<redacted>`, control characters become spaces, whitespace runs
 * collapse, and the result is cut to `max` characters. Redaction runs before the cut, so a cut
 * cannot leave half a secret behind.
 */
export function cleanUpstreamText(text: string, secrets: readonly string[], max = MAX_UPSTREAM_TEXT): string {
  let out = text.slice(0, 64 * 1024).replace(CONTROL, " ");
  const forms = secrets.flatMap((s) => (s.length >= MIN_SECRET ? secretForms(s) : []));
  if (forms.length > 0) {
    forms.sort((a, b) => b.length - a.length);
    const pattern = new RegExp(forms.map(escapeRegExp).join("|"), "gi");
    out = out.replace(pattern, "<redacted>");
    const needles = [...forms, ...secrets.filter((s) => s.length >= MIN_SECRET).flatMap(transformedForms)];
    out = redactRuns(out, needles, "<redacted>");
  }
  out = out.replace(DYNATRACE_TOKEN, "<redacted>").replace(/\s+/g, " ").trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The `error.message` of Dynatrace's error envelope, cleaned by {@link cleanUpstreamText}; else undefined. */
export function apiErrorMessage(text: string, secrets: readonly string[]): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    const message = parsed.error?.message;
    if (typeof message === "string") return cleanUpstreamText(message, secrets);
  } catch {
    // Not the envelope (a proxy's HTML page, say): the status code alone has to do.
  }
  return undefined;
}
