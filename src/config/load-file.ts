import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { ConfigError } from "./errors.js";
import { environmentFromFile, type FileEnvironment, fileSchema } from "./file-schema.js";
import { buildConfig, loadConfigFromEnv } from "./load-env.js";
import { refusePlainHttp } from "./plain-http.js";
import { quote } from "./quote.js";
import type { VariableValues } from "./read-variables.js";
import { envSecrets, fileSecrets, scrubbing } from "./secrets.js";
import { everySetting, fileKey, SETTINGS, type Settings } from "./settings.js";
import { closest } from "./unknown-vars.js";
import type { AppConfig, AppConfigOf, EnvironmentConfigOf } from "./types.js";
import { describeYamlError } from "./yaml-error.js";

type Env = Record<string, string | undefined>;

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

/** Reads and validates the YAML file; throws a {@link ConfigError} naming the file and key path. */
function readEnvironments<S extends Settings>(
  file: string,
  env: Env,
  settings: S,
  variables: VariableValues<S>,
): EnvironmentConfigOf<S>[] {
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
    const { where, problem } = describeYamlError(file, yamlError);
    throw new ConfigError(where, problem);
  }
  const raw = substitute(doc.toJS(), env, file, []);
  const schema = fileSchema(settings);
  const parsed = schema.safeParse(raw);
  const build = (entries: FileEnvironment[]) =>
    entries.map((e, i) => {
      const built = environmentFromFile(e, i, file, settings, variables);
      refusePlainHttp([built], () => `${file}: environments[${i}].url (${built.name})`);
      return built;
    });
  if (!parsed.success) {
    // Mistakes are reported in file order: the environments before the first one the schema
    // refuses are checked in full first, so fixing the reported mistake never reveals an earlier one.
    const k = firstInvalidEnvironment(parsed.error.issues);
    const list = (raw as { environments?: unknown }).environments;
    if (k > 0 && Array.isArray(list)) {
      const before = schema.safeParse({ ...(raw as object), environments: list.slice(0, k) });
      if (before.success) build(before.data.environments);
    }
  }
  const environments = build(validated(parsed, file, settings));
  const seen = new Set<string>();
  environments.forEach((e, i) => {
    if (seen.has(e.name))
      throw new ConfigError(`${file}: environments[${i}].name`, `${quote(e.name)} is listed twice`);
    seen.add(e.name);
  });
  return environments;
}

/** The index of the first environment an issue is about; -1 when one is about the top level. */
function firstInvalidEnvironment(issues: readonly { path: PropertyKey[] }[]): number {
  return Math.min(
    ...issues.map((i) => (i.path[0] === "environments" && typeof i.path[1] === "number" ? i.path[1] : -1)),
  );
}

/** The keys the file may hold at `path`: the top level, an environment, or a section of one. */
function fileKeysAt(path: readonly PropertyKey[], settings: Settings): string[] {
  if (path.length === 0) return ["environments"];
  const keys = everySetting(settings).flatMap((d) => fileKey(d) ?? []);
  if (path.length === 2) return [...new Set(keys.map((k) => k.split(".")[0] as string))];
  const prefix = `${String(path[2])}.`;
  return keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}

/** The file's environments as the schema parsed them, or a {@link ConfigError} naming the key path. */
function validated(
  parsed: ReturnType<ReturnType<typeof fileSchema>["safeParse"]>,
  file: string,
  settings: Settings,
): FileEnvironment[] {
  if (parsed.success) return parsed.data.environments;
  // A misspelt key also leaves a required one missing; the misspelling is the useful message.
  const first = firstInvalidEnvironment(parsed.error.issues);
  const issues = parsed.error.issues.filter((i) => first < 0 || i.path[1] === first);
  const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
  if (issue?.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "?";
    const suggestion = closest(key, fileKeysAt(issue.path, settings));
    throw new ConfigError(
      `${file}: ${keyPath([...issue.path, key])}`,
      `unknown key${suggestion ? `, did you mean ${suggestion}?` : ""}`,
    );
  }
  throw new ConfigError(
    `${file}: ${keyPath(issue?.path ?? []) || "(top level)"}`,
    issue?.message ?? "invalid",
  );
}

/**
 * The effective configuration: environments from the YAML file named by `--config` or
 * CONFIG_FILE when there is one (environment variables then give the defaults and the global
 * settings), else the single environment of the environment variables. Errors are scrubbed of
 * the file's secrets (values of `${VAR}` references, keys named like tokens) as well as the
 * environment's, so a token substituted into the wrong field is never echoed. `settings` is the
 * declared table (tests pass one with a throwaway setting).
 */
export function loadConfig(env: Env, configFile?: string): AppConfig;
export function loadConfig<S extends Settings>(
  env: Env,
  configFile: string | undefined,
  settings: S,
): AppConfigOf<S>;
export function loadConfig(env: Env, configFile?: string, settings: Settings = SETTINGS): unknown {
  const file = configFile ?? (env[settings.process.configFile.env ?? "CONFIG_FILE"]?.trim() || undefined);
  if (file === undefined) return loadConfigFromEnv(env, settings);
  return scrubbing(
    () => [...envSecrets(env, settings), ...fileSecrets(readForScrubbing(file), env)],
    () => buildConfig(env, settings, (variables) => readEnvironments(file, env, settings, variables)),
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
