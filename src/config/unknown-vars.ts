import { everySetting, SETTINGS, type Settings } from "./settings.js";

/**
 * Prefixes that mark a variable as meant for this exporter. A variable with one of them that the
 * exporter does not read is almost always a typo (`DRAIN_INTERVALL`, `RELAY_TOKEN`), which would
 * otherwise leave a setting at its default without a word.
 */
const PREFIXES = [
  "DYNATRACE_",
  "RELAY_",
  "DRAIN_",
  "EVENTS_",
  "EVENT_",
  "EXCLUDE_",
  "RESYNC_",
  "ENTITY_",
  "SHARD_",
  "MAX_CONCURRENT_",
  "ADMIN_",
  "FEED_",
  "WEB_",
  "TRUSTED_",
  "DEMO_",
] as const;

/** Variables with an exporter prefix that are read elsewhere (the demo, Node, proxies). */
const READ_ELSEWHERE = new Set(["DEMO_SIMULATOR_PORT"]);

/**
 * Names users write for a setting that edit distance would not find, or would map to the wrong
 * one (`DYNATRACE_ENV` is nearer to `DYNATRACE_URL` than to `DYNATRACE_ENVIRONMENT`).
 */
const NEAR_MISSES: Readonly<Record<string, string>> = {
  DYNATRACE_TOKEN: "DYNATRACE_API_TOKEN",
  DYNATRACE_TOKEN_FILE: "DYNATRACE_API_TOKEN_FILE",
  DYNATRACE_API_KEY: "DYNATRACE_API_TOKEN",
  DYNATRACE_ENV: "DYNATRACE_ENVIRONMENT",
  DYNATRACE_ENV_ID: "DYNATRACE_ENVIRONMENT",
  DYNATRACE_ENVIRONMENT_ID: "DYNATRACE_ENVIRONMENT",
  DYNATRACE_TENANT: "DYNATRACE_URL",
  DYNATRACE_ENV_URL: "DYNATRACE_URL",
};

/** A variable the exporter does not know, and the known one it most likely meant. */
export interface UnknownVariable {
  name: string;
  suggestion: string | undefined;
}

/** Every variable in `env` with an exporter prefix that no setting declares, with a suggestion. */
export function unknownVariables(
  env: Record<string, string | undefined>,
  settings: Settings = SETTINGS,
): UnknownVariable[] {
  const known = everySetting(settings).flatMap((d) => (d.setting.env ? [d.setting.env] : []));
  // Lower-case spellings count too: the variables are upper case, `dynatrace_url` is never read.
  return Object.keys(env)
    .filter((name) => PREFIXES.some((p) => name.toUpperCase().startsWith(p)))
    .filter((name) => !known.includes(name) && !READ_ELSEWHERE.has(name))
    .sort()
    .map((name) => ({ name, suggestion: suggestionFor(name, known) }));
}

function suggestionFor(name: string, known: readonly string[]): string | undefined {
  const upper = name.toUpperCase();
  if (upper !== name && known.includes(upper)) return upper;
  return NEAR_MISSES[upper] ?? closest(upper, known);
}

/** One line per unknown variable, e.g. `DRAIN_INTERVALL: unknown, did you mean DRAIN_INTERVAL?`. */
export function describeUnknown(v: UnknownVariable): string {
  if (v.suggestion === v.name.toUpperCase()) {
    return `${v.name}: unknown variable (variable names are upper case), did you mean ${v.suggestion}?`;
  }
  return `${v.name}: unknown variable${v.suggestion ? `, did you mean ${v.suggestion}?` : ""}`;
}

/** The known name nearest to `name` by edit distance, if it is near enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
}
