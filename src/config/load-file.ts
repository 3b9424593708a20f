import { readFileSync } from "node:fs";
import { parseLifecycleInputs, parseSeverityMap } from "./lifecycle.js";
import { parseDocument } from "yaml";
import { z } from "zod";
import { parseDuration } from "./duration.js";
import { ConfigError } from "./errors.js";
import { buildConfig, type EnvironmentDefaults, loadConfigFromEnv } from "./load-env.js";
import { envSecrets, fileSecrets, quote, scrubbing } from "./secrets.js";
import { checkExtraLabels } from "./labels.js";
import { readCaFile } from "./network.js";
import { readTokenFile } from "./token-files.js";
import { type AppConfig, type EnvironmentConfig, V1_PUSH_EVENT_TYPES } from "./types.js";
import { parseDynatraceUrl } from "./url.js";

type Env = Record<string, string | undefined>;

const durationText = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(String(v));
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `${quote(v)} is not a duration (use e.g. 30s, 5m, 1h30m)` });
    return z.NEVER;
  }
  return ms;
});

const environmentSchema = z.strictObject({
  name: z.string().regex(/^[\w.:-]{1,128}$/, "must be 1-128 letters, digits, '.', ':', '_' or '-'"),
  url: z.string().transform((text, ctx) => {
    try {
      return parseDynatraceUrl(text);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  }),
  token: z.string().min(1).optional(),
  tokenFile: z.string().min(1).optional(),
  ingestToken: z.string().min(1).optional(),
  ingestTokenFile: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  apiVersion: z
    .enum(["v1", "v2"], { error: (i) => `unsupported value ${quote(i.input)} (supported: v1, v2)` })
    .optional(),
  drainInterval: durationText.optional(),
  window: durationText.optional(),
  overlap: durationText.optional(),
  resyncInterval: durationText.optional(),
  eventTypes: z.array(z.string().min(1)).optional(),
  excludeEventTypes: z.array(z.string().min(1)).optional(),
  entityId: z.string().min(1).optional(),
  maxPages: z.number().int().min(1).max(1_000_000).optional(),
  // Problems collector, opt-in labels and the series cap (docs/problems-and-dimensions.md).
  problems: z
    .enum(["auto", "on", "off"], { error: (i) => `unsupported value ${quote(i.input)} (use auto, on, off)` })
    .optional(),
  dimensions: z.array(z.string().min(1)).optional(),
  staticLabels: z.record(z.string(), z.string()).optional(),
  maxSeries: z.number().int().min(10).max(1_000_000).optional(),
  readConcurrency: z.number().int().min(1).max(64).optional(),
  relay: z
    .strictObject({
      eventType: z
        .enum(V1_PUSH_EVENT_TYPES, {
          error: (i) => `unsupported event type ${quote(i.input)} (use ${V1_PUSH_EVENT_TYPES.join(", ")})`,
        })
        .optional(),
      source: z.string().min(1).optional(),
      tag: z.string().min(1).optional(),
      concurrency: z.number().int().min(1).max(256).optional(),
      lifecycle: z.string().min(1).optional(),
      severityMap: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
    })
    .optional(),
});

const fileSchema = z.strictObject({
  environments: z.array(environmentSchema).min(1, "lists no environment"),
});

type FileEnvironment = z.infer<typeof environmentSchema>;

/** `environments[2].window` from a zod path. */
function keyPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** Replaces `${NAME}` in every string with the environment variable; `$${` stays a literal `${`. */
function substitute(value: unknown, env: Env, file: string, path: PropertyKey[]): unknown {
  if (typeof value === "string") {
    return value.replace(/\$(\$)?\{([^}]*)\}/g, (whole, escaped: string | undefined, name: string) => {
      if (escaped) return whole.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new ConfigError(
          `${file}: ${keyPath(path)}`,
          `${quote(`\${${name}}`)} is not a valid variable reference`,
        );
      }
      const v = env[name];
      if (v === undefined)
        throw new ConfigError(`${file}: ${keyPath(path)}`, `refers to \${${name}}, which is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, env, file, [...path, i]));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, env, file, [...path, k])]),
    );
  }
  return value;
}

function toEnvironment(
  e: FileEnvironment,
  i: number,
  file: string,
  d: EnvironmentDefaults,
): EnvironmentConfig {
  const where = `${file}: environments[${i}]`;
  if ((e.token === undefined) === (e.tokenFile === undefined)) {
    throw new ConfigError(where, "set exactly one of token and tokenFile");
  }
  const token = e.token ?? readTokenFile(`${where}.tokenFile`, e.tokenFile as string);
  if (e.ingestToken !== undefined && e.ingestTokenFile !== undefined) {
    throw new ConfigError(where, "set at most one of ingestToken and ingestTokenFile");
  }
  const ingest =
    e.ingestTokenFile !== undefined
      ? {
          ingestToken: readTokenFile(`${where}.ingestTokenFile`, e.ingestTokenFile),
          ingestTokenFile: e.ingestTokenFile,
        }
      : e.ingestToken !== undefined
        ? { ingestToken: e.ingestToken }
        : { ingestToken: token, ingestTokenFile: e.tokenFile };
  const env: EnvironmentConfig = {
    name: e.name,
    address: e.url,
    token,
    tokenSource:
      e.token !== undefined
        ? `${file} environments[${i}].token`
        : `${file} environments[${i}].tokenFile (${e.tokenFile})`,
    ...ingest,
    tokenFile: e.tokenFile,
    ...(e.caFile !== undefined ? { caFile: e.caFile, ca: readCaFile(`${where}.caFile`, e.caFile) } : {}),
    apiVersion: e.apiVersion ?? d.apiVersion,
    drainIntervalMs: e.drainInterval ?? d.drainIntervalMs,
    windowMs: e.window ?? d.windowMs,
    overlapMs: e.overlap ?? d.overlapMs,
    resyncIntervalMs: e.resyncInterval ?? d.resyncIntervalMs,
    eventTypes: e.eventTypes ?? d.eventTypes,
    excludeEventTypes: e.excludeEventTypes ?? d.excludeEventTypes,
    entityId: e.entityId,
    maxPages: e.maxPages ?? d.maxPages,
    readConcurrency: e.readConcurrency ?? d.readConcurrency,
    ...(e.relay ? { relay: e.relay } : {}),
    ...extraSettings(e, d, where),
  };
  // Lifecycle keys are read by the relay (config/lifecycle.ts); checked here so a mistake stops the start.
  if (e.relay?.lifecycle !== undefined) parseLifecycleInputs(`${where}.relay.lifecycle`, e.relay.lifecycle);
  if (e.relay?.severityMap !== undefined) parseSeverityMap(`${where}.relay.severityMap`, e.relay.severityMap);
  if (env.drainIntervalMs < 1000) throw new ConfigError(`${where}.drainInterval`, "must be at least 1s");
  if (env.windowMs < 60_000) throw new ConfigError(`${where}.window`, "must be at least 1m");
  if (env.overlapMs >= env.windowMs) throw new ConfigError(`${where}.overlap`, "must be shorter than window");
  if (env.resyncIntervalMs < 60_000) throw new ConfigError(`${where}.resyncInterval`, "must be at least 1m");
  return env;
}

/** The problems, opt-in label and series cap settings of a file environment over the defaults. */
function extraSettings(
  e: FileEnvironment,
  d: EnvironmentDefaults,
  where: string,
): Partial<EnvironmentConfig> {
  checkExtraLabels(where, e.dimensions ?? [], e.staticLabels ?? {});
  const problems = e.problems ?? d.problems;
  const maxSeries = e.maxSeries ?? d.maxSeries;
  return {
    ...(problems !== undefined ? { problems } : {}),
    ...(maxSeries !== undefined ? { maxSeries } : {}),
    ...(e.dimensions?.length ? { dimensions: e.dimensions } : {}),
    ...(e.staticLabels && Object.keys(e.staticLabels).length > 0 ? { staticLabels: e.staticLabels } : {}),
  };
}

/** Reads and validates the YAML file; throws a {@link ConfigError} naming the file and key path. */
function readEnvironments(file: string, env: Env, defaults: EnvironmentDefaults): EnvironmentConfig[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(
      "CONFIG_FILE",
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`,
    );
  }
  const doc = parseDocument(text);
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0];
    throw new ConfigError(
      `${file}${line ? `:${line.line}` : ""}`,
      `not valid YAML: ${yamlError.message.split("\n")[0]}`,
    );
  }
  const parsed = fileSchema.safeParse(substitute(doc.toJS(), env, file, []));
  if (!parsed.success) {
    // A misspelt key also leaves a required one missing; the misspelling is the useful message.
    const issues = parsed.error.issues;
    const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
    if (issue?.code === "unrecognized_keys") {
      throw new ConfigError(`${file}: ${keyPath([...issue.path, issue.keys[0] ?? "?"])}`, "unknown key");
    }
    throw new ConfigError(
      `${file}: ${keyPath(issue?.path ?? []) || "(top level)"}`,
      issue?.message ?? "invalid",
    );
  }
  const environments = parsed.data.environments.map((e, i) => toEnvironment(e, i, file, defaults));
  const seen = new Set<string>();
  environments.forEach((e, i) => {
    if (seen.has(e.name))
      throw new ConfigError(`${file}: environments[${i}].name`, `${quote(e.name)} is listed twice`);
    seen.add(e.name);
  });
  return environments;
}

/**
 * The effective configuration: environments from the YAML file named by `--config` or
 * CONFIG_FILE when there is one (environment variables then give the defaults and the global
 * settings), else the single environment of the environment variables. Errors are scrubbed of
 * the file's secrets (values of `${VAR}` references, keys named like tokens) as well as the
 * environment's, so a token substituted into the wrong field is never echoed.
 */
export function loadConfig(env: Env, configFile?: string): AppConfig {
  const file = configFile ?? (env.CONFIG_FILE?.trim() || undefined);
  if (file === undefined) return loadConfigFromEnv(env);
  return scrubbing(
    () => [...envSecrets(env), ...fileSecrets(readForScrubbing(file), env)],
    () => buildConfig(env, (defaults) => readEnvironments(file, env, defaults)),
  );
}

/** The file's text (its first MiB) for finding its secrets after a failure; empty if unreadable. */
function readForScrubbing(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(0, 1 << 20);
  } catch {
    return "";
  }
}
