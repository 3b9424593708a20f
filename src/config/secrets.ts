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
/** Longest value a configuration error shows (cut after scrubbing, so no secret is cut in half). */
const MAX_QUOTED = 64;
/** Longest value {@link quote} takes in at all: a bound on work, far above any secret. */
const MAX_QUOTE_INPUT = 4096;
/** Longest configuration error message. */
const MAX_MESSAGE = 400;

/** `scheme://user:password@host` → `scheme://<redacted>@host`, and a bare `user:password@host` too. */
export function scrubUrlCredentials(text: string): string {
  return text
    .replace(/([a-z][\w+.-]*:\/\/)[^/?#\s"]*@/gi, `$1${REDACTED}@`)
    .replace(/(^|[\s"'(=])[^\s"'(=/:@]+:[^\s"'@]*@/g, `$1${REDACTED}@`);
}

/**
 * A value as a configuration error may quote it: control characters and double quotes removed,
 * URL userinfo scrubbed. Every message that names a value goes through this; the loader's
 * boundary ({@link scrubbing}) then removes known secrets and cuts quoted values to 64 characters.
 */
export function quote(value: unknown): string {
  const text = String(value)
    .slice(0, MAX_QUOTE_INPUT)
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f"]/g, "");
  return `"${scrubUrlCredentials(text)}"`;
}

/** Cuts every quoted value over {@link MAX_QUOTED} characters, then the whole text. */
function shorten(text: string): string {
  const cut = text.replace(/"([^"]{65,})"/g, (_m, v: string) => `"${v.slice(0, MAX_QUOTED)}..."`);
  return cut.length > MAX_MESSAGE ? `${cut.slice(0, MAX_MESSAGE)}...` : cut;
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
    if (SECRET_NAME.test(key as string) && !/file$/i.test(key as string))
      out.push(...literalParts(value as string));
  }
  return out;
}

/**
 * The literal text of a secret field's value: a valid `${VAR}` reference is not itself secret
 * (errors name it; its value is collected from the environment), anything else is, including
 * what sits inside a malformed reference.
 */
function literalParts(value: string): string[] {
  return value
    .trim()
    .split(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/)
    .filter((_, i) => i % 2 === 0)
    .flatMap((part) => [part, part.replace(/^\$\{/, "").replace(/\}$/, "")]);
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
 * (computed only on failure), then shortened: whatever a message was built from, no configured
 * secret and no URL password leaves the configuration layer. Use once per entry point: scrubbing
 * an already shortened message could miss a secret cut in half.
 */
export function scrubbing<T>(secrets: () => string[], load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const known = secrets();
    throw new ConfigError(shorten(scrub(err.variable, known)), shorten(scrub(err.problem, known)));
  }
}
