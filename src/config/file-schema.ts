import { z } from "zod";
import { connectionFromFile, type ConnectionValues } from "./connection.js";
import { checkExtraLabels } from "./labels.js";
import { checkBelow, type VariableValues } from "./read-variables.js";
import { fieldOf, type Table } from "./setting.js";
import { everySetting, fileKey, type Settings } from "./settings.js";
import type { EnvironmentConfigOf } from "./types.js";

/**
 * The config file's schema, derived from the declarations: `environments`, a non-empty list of
 * entries whose keys are the settings an environment may set (a global table's `both` settings
 * under its section, e.g. `relay.tag`), each parsed by its kind. Unknown keys are refused.
 */
export function fileSchema(settings: Settings) {
  const shape: Record<string, z.ZodType> = {};
  const sections: Record<string, Record<string, z.ZodType>> = {};
  for (const d of everySetting(settings)) {
    const key = fileKey(d);
    if (key === undefined) continue;
    const parse = d.setting.required ? d.setting.kind.file : d.setting.kind.file.optional();
    if (key.includes(".")) (sections[d.section] ??= {})[d.name] = parse;
    else shape[key] = parse;
  }
  for (const [section, inner] of Object.entries(sections)) shape[section] = z.strictObject(inner).optional();
  return z.strictObject({
    environments: z.array(z.strictObject(shape)).min(1, "lists no environment"),
  });
}

/** One environment of the file as {@link fileSchema} parsed it, by key. */
export type FileEnvironment = Record<string, unknown>;

/**
 * Environment `i` of `file`: its connection, each `feed` setting from its key or else (scope
 * `both`) the variable's value, and the global settings it overrides. Errors name the key path.
 */
export function environmentFromFile<S extends Settings>(
  e: FileEnvironment,
  i: number,
  file: string,
  settings: S,
  variables: VariableValues<S>,
): EnvironmentConfigOf<S> {
  const connection = connectionFromFile(e as ConnectionValues, i, file);
  const defaults = variables.feed as Record<string, unknown>;
  const feed: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(settings.feed)) {
    const field = fieldOf(name, s);
    feed[field] = e[name] ?? (s.scope === "both" ? defaults[field] : undefined);
  }
  checkBelow(
    settings.feed,
    feed,
    (n) => `${file}: environments[${i}].${n}`,
    (n) => n,
  );
  checkExtraLabels(
    `${file}: environments[${i}]`,
    (feed.dimensions as string[] | undefined) ?? [],
    (feed.staticLabels as Record<string, string> | undefined) ?? {},
  );
  return { ...connection, ...feed, ...overrides(e, settings) } as EnvironmentConfigOf<S>;
}

/** What the entry overrides of global tables, by section then field (`relay.concurrency`). */
function overrides(e: FileEnvironment, settings: Settings): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, table] of Object.entries(settings) as [string, Table][]) {
    const given = e[section];
    if (section === "feed" || section === "connection" || typeof given !== "object" || given === null)
      continue;
    const values = given as Record<string, unknown>;
    out[section] = Object.fromEntries(
      Object.entries(table)
        .filter(([name]) => values[name] !== undefined)
        .map(([name, s]) => [fieldOf(name, s), values[name]]),
    );
  }
  return out;
}
