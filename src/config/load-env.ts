import { connectionFromVariables, type ConnectionValues } from "./connection.js";
import { ConfigError } from "./errors.js";
import { type LifecycleValues, lifecycleFromValues } from "./lifecycle.js";
import { withNetwork } from "./network.js";
import { refusePlainHttp } from "./plain-http.js";
import { readVariables, type VariableValues } from "./read-variables.js";
import { envSecrets, scrubbing } from "./secrets.js";
import { SETTINGS, type Settings } from "./settings.js";
import type { AppConfig, AppConfigOf, EnvironmentConfigOf } from "./types.js";

type Env = Record<string, string | undefined>;

/** Builds a config file's environments from the variables' values (their defaults for each). */
export type EnvironmentsFrom<S extends Settings> = (variables: VariableValues<S>) => EnvironmentConfigOf<S>[];

/**
 * Builds the effective configuration from environment variables. Throws a {@link ConfigError}
 * naming the first variable at fault; never returns a partially valid config. The error's text
 * never holds a secret: it is scrubbed of every secret variable's value and of URL credentials.
 * `settings` is the declared table (tests pass one with a throwaway setting).
 */
export function loadConfigFromEnv(env: Env): AppConfig;
export function loadConfigFromEnv<S extends Settings>(env: Env, settings: S): AppConfigOf<S>;
export function loadConfigFromEnv(env: Env, settings: Settings = SETTINGS): unknown {
  return scrubbing(
    () => envSecrets(env, settings),
    () => buildConfig(env, settings),
  );
}

/**
 * {@link loadConfigFromEnv} without the scrubbing, for loaders that scrub with more secrets; with
 * `fromFile`, the environments come from it and the variables give their defaults.
 */
export function buildConfig<S extends Settings>(
  env: Env,
  settings: S,
  fromFile?: EnvironmentsFrom<S>,
): AppConfigOf<S> {
  const url = settings.connection.url.env ?? "DYNATRACE_URL";
  if (!fromFile && !env[url]?.trim()) {
    throw new ConfigError(url, "is required, e.g. https://abc12345.live.dynatrace.com (or run with --demo)");
  }
  const v = readVariables(settings, env);
  const connection = v.connection as ConnectionValues;
  const environments = fromFile
    ? fromFile(v)
    : [
        {
          ...connectionFromVariables(connection, (v.feed as { apiVersion?: string }).apiVersion),
          ...v.feed,
        } as EnvironmentConfigOf<S>,
      ];
  // A file's environments were checked in file order as they were read (load-file.ts).
  if (!fromFile) refusePlainHttp(environments, () => url);
  const { shardIndex, shardCount } = v.process as { shardIndex?: number; shardCount?: number };
  return {
    ...v.server,
    web: v.web,
    relay: { ...v.relay, lifecycle: lifecycleFromValues(v.relay as unknown as LifecycleValues) },
    environments: withNetwork(environments, env, connection.caFile),
    shard: shardCount === undefined ? undefined : { index: shardIndex ?? 0, count: shardCount },
  };
}
