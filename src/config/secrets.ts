import { readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";
import { REDACTED, scrubUrlCredentials } from "./quote.js";
import { everySetting, SETTINGS, type Settings } from "./settings.js";

export { quote, scrubUrlCredentials } from "./quote.js";

type Env = Record<string, string | undefined>;

/** Environment variables whose values are secrets, whatever their names say: the declared ones. */
export function secretVariables(settings: Settings = SETTINGS): string[] {
  return everySetting(settings).flatMap((d) => (d.setting.secret && d.setting.env ? [d.setting.env] : []));
}

/** Names that mark a variable or a config-file key as holding a secret. */
const SECRET_NAME = /token|password|passwd|secret|credential|api[_-]?key|private/i;
/** Values shorter than this are not scrubbed: they would garble every message and guard nothing. */
const MIN_SECRET_LENGTH = 4;
/** Longest value a configuration error shows (cut after scrubbing, so no secret is cut in half). */
const MAX_QUOTED = 64;
/** Longest configuration error message. */
const MAX_MESSAGE = 400;

/** Cuts every quoted value over {@link MAX_QUOTED} characters, then the whole text. */
function shorten(text: string): string {
  const cut = text.replace(/"([^"]{65,})"/g, (_m, v: string) => `"${v.slice(0, MAX_QUOTED)}..."`);
  return cut.length > MAX_MESSAGE ? `${cut.slice(0, MAX_MESSAGE)}...` : cut;
}

/** Every secret a configuration error could echo: the secret variables, and any named like one. */
export function envSecrets(env: Env, settings: Settings = SETTINGS): string[] {
  const declared = new Set(secretVariables(settings));
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // *_FILE variables hold paths, which errors must name; the file's content is the secret.
    const named = SECRET_NAME.test(name) && !/_FILE$/i.test(name);
    if (declared.has(name) || named) {
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
