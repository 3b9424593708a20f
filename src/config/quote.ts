/**
 * Quoting values into configuration errors. Kept apart from secrets.ts (which scrubs whole
 * messages at the loader's boundary and reads the settings' secret flags) so that the setting
 * kinds can quote without an import cycle.
 */

/** What replaces a secret or URL userinfo in anything printed. */
export const REDACTED = "<redacted>";
/** Longest value {@link quote} takes in at all: a bound on work, far above any secret. */
const MAX_QUOTE_INPUT = 4096;

/** `scheme://user:password@host` → `scheme://<redacted>@host`, and a bare `user:password@host` too. */
export function scrubUrlCredentials(text: string): string {
  return text
    .replace(/([a-z][\w+.-]*:\/\/)[^/?#\s"]*@/gi, `$1${REDACTED}@`)
    .replace(/(^|[\s"'(=])[^\s"'(=/:@]+:[^\s"'@]*@/g, `$1${REDACTED}@`);
}

/**
 * A value as a configuration error may quote it: control characters and double quotes removed,
 * URL userinfo scrubbed. Every message that names a value goes through this; the loader's
 * boundary (`scrubbing` in secrets.ts) then removes known secrets and cuts quoted values to 64
 * characters.
 */
export function quote(value: unknown): string {
  const text = String(value)
    .slice(0, MAX_QUOTE_INPUT)
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f"]/g, "");
  return `"${scrubUrlCredentials(text)}"`;
}
