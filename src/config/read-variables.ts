import { z } from "zod";
import { ConfigError } from "./errors.js";
import { fieldOf, type Setting, type Table, type Values } from "./setting.js";
import { everySetting, type Settings } from "./settings.js";

type Env = Record<string, string | undefined>;

/** Every table's values as the variables (or the defaults) give them, by section. */
export type VariableValues<S extends Settings> = {
  [K in keyof S]: S[K] extends Table ? Values<S[K]> : never;
};

/** How a setting is told apart in the combined schema: its variable, else its section and name. */
const idOf = (section: string, name: string, s: Setting) => s.env ?? `${section}.${name}`;

/**
 * Reads every declared variable of `settings` from `env`: a blank or unset one takes the default,
 * each is parsed by its kind, then each `below` rule is checked. Throws a {@link ConfigError}
 * naming the first variable at fault (in declaration order); never returns partial values.
 */
export function readVariables<S extends Settings>(settings: S, env: Env): VariableValues<S> {
  const shape: Record<string, z.ZodType> = {};
  const input: Record<string, string | undefined> = {};
  for (const { section, name, setting } of everySetting(settings)) {
    const id = idOf(section, name, setting);
    const raw = setting.env === undefined ? undefined : env[setting.env];
    input[id] = raw === undefined || raw.trim() === "" ? setting.default : raw;
    shape[id] = setting.optional ? setting.kind.text.optional() : setting.kind.text;
  }
  const parsed = z.object(shape).safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? "environment"), issue?.message ?? "invalid");
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const { section, name, setting } of everySetting(settings)) {
    (out[section] ??= {})[fieldOf(name, setting)] = parsed.data[idOf(section, name, setting)];
  }
  for (const section of Object.keys(settings) as (keyof Settings)[]) {
    const label = (n: string) => idOf(section, n, (settings[section] as Table)[n] as Setting);
    checkBelow(settings[section], out[section] ?? {}, label, label);
  }
  return out as VariableValues<S>;
}

/**
 * Throws a {@link ConfigError} for the first setting of `table` whose value is not below the
 * setting its `below` names (both set): `subject` names the setting at fault, `other` the one it
 * must stay below.
 */
export function checkBelow(
  table: Table,
  values: Record<string, unknown>,
  subject: (name: string) => string,
  other: (name: string) => string,
): void {
  for (const [name, s] of Object.entries(table)) {
    if (s.below === undefined) continue;
    const bound = table[s.below];
    if (!bound) throw new Error(`setting ${name}: below names no setting of its table (${s.below})`);
    const value = values[fieldOf(name, s)];
    const limit = values[fieldOf(s.below, bound)];
    if (typeof value !== "number" || typeof limit !== "number" || value < limit) continue;
    const message = s.kind.notBelow?.(other(s.below), limit) ?? `must be below ${other(s.below)}`;
    throw new ConfigError(subject(name), message);
  }
}
