import { readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";

type Env = Record<string, string | undefined>;

/** Environment variables whose values are secrets, whatever their names say. */
export const SECRET_ENV_VARS = [
  "DYNATRACE_API_TOKEN",
  "DYNATRACE_INGEST_TOKEN",
  "RELAY_TOKENS",
  "ADMIN_TOKENS",
] as const;

/** Names that mark a variable or a config-file key as holding a secret. */
const SECRET_NAME = /token|password|passwd|secret|credential|api[_-]?key|private/i;
/** Values shorter than this are not scrubbed: they would garble every message and guard nothing. */
const MIN_SECRET_LENGTH = 4;
const REDACTED = "<redacted>";
/** Longest value a configuration error quotes. */
const MAX_QUOTED = 64;

/** `scheme://user:password@host` → `scheme://<redacted>@host`, and a bare `user:password@host` too. */
export function scrubUrlCredentials(text: string): string {
  return text
    .replace(/([a-z][\w+.-]*:\/\/)[^/?#\s"]*@/gi, `$1${REDACTED}@`)
    .replace(/(^|[\s"'(=])[^\s"'(=/:@]+:[^\s"'@]*@/g, `$1${REDACTED}@`);
}

/**
 * A value as a configuration error may quote it: control characters removed, URL userinfo
 * scrubbed, cut to 64 characters. Every message that names a value goes through this, and the
 * whole message is scrubbed of known secrets again at the loader's boundary ({@link scrubbing}).
 */
export function quote(value: unknown): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  let text = scrubUrlCredentials(String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, ""));
  if (text.length > MAX_QUOTED) text = `${text.slice(0, MAX_QUOTED)}...`;
  return `"${text}"`;
}

/** Every secret a configuration error could echo: the secret variables, and any named like one. */
export function envSecrets(env: Env): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // *_FILE variables hold paths, which errors must name; the file's content is the secret.
    const named = SECRET_NAME.test(name) && !/_FILE$/i.test(name);
    if ((SECRET_ENV_VARS as readonly string[]).includes(name) || named) {
      out.push(value, ...value.split(","));
    }
    if (name === "DYNATRACE_API_TOKEN_FILE") out.push(...fileSecret(value));
  }
  return out;
}

/** Values of `${VAR}` references in a config file's text, and of keys named like secrets. */
export function fileSecrets(text: string, env: Env): string[] {
  const out: string[] = [];
  for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    const v = env[name as string];
    if (v !== undefined) out.push(v, ...v.split(","));
  }
  for (const [, key, value] of text.matchAll(/^[\s-]*([\w-]+)\s*:\s*["']?([^"'\n#]*)/gm)) {
    // A `${VAR}` reference is not itself secret (and errors name it); its value is added above.
    const literal = !(value as string).includes("${");
    if (literal && SECRET_NAME.test(key as string) && !/file$/i.test(key as string)) {
      out.push((value as string).trim());
    }
  }
  return out;
}

function fileSecret(path: string): string[] {
  try {
    return [readFileSync(path, "utf8").slice(0, 4096).trim()];
  } catch {
    return [];
  }
}

/** `text` with every secret (matched regardless of case) and all URL userinfo replaced. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = scrubUrlCredentials(text);
  const sorted = [...new Set(secrets.map((s) => s.trim()))]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const s of sorted) {
    const escaped = s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(new RegExp(escaped, "gi"), REDACTED);
  }
  return out;
}

/**
 * Runs a loader and rethrows its {@link ConfigError}s with both parts scrubbed of `secrets()`
 * (computed only on failure): whatever a message was built from, no configured secret and no URL
 * password leaves the configuration layer.
 */
export function scrubbing<T>(secrets: () => string[], load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const known = secrets();
    throw new ConfigError(scrub(err.variable, known), scrub(err.problem, known));
  }
}
