import type { Kind } from "./kinds.js";

/**
 * Where a setting applies. `global`: the process (a variable only). `environment`: one Dynatrace
 * environment; its variable sets the single environment of a variables-only setup, and each
 * environment of a config file sets its own key (the variable is no default for them). `both`:
 * the variable is the default for every environment and a config-file environment may override it.
 */
export type Scope = "global" | "environment" | "both";

/**
 * One setting, declared once: everything else (reading the variable, the config-file key,
 * validation, `--help`, `--check-config` masking, the docs table, the config types) is derived
 * from it. Its name is its key in its table; the config field is that name plus the kind's unit
 * (`window` → `windowMs`), and the config-file key is the name (under the table's section for a
 * global table's `both` settings: `relay.tag`).
 */
export interface Setting<
  T = unknown,
  U extends string = string,
  O extends boolean = boolean,
  S extends Scope = Scope,
> {
  /** The environment variable, if the setting has one. */
  readonly env: string | undefined;
  readonly scope: S;
  readonly kind: Kind<T, U>;
  /** The default as the variable would spell it; undefined: unset unless given. */
  readonly default: string | undefined;
  /** True when there is no default, so the value may be undefined. */
  readonly optional: O;
  /** The value is a secret: masked when printed, scrubbed from every error. */
  readonly secret: boolean;
  /** Every environment of a config file must set it. */
  readonly required: boolean;
  /** Name of a setting of the same table this one must stay below (when both are set). */
  readonly below: string | undefined;
  /** One line for `--help` and the docs table. */
  readonly doc: string;
}

/** What a declaration spells out; everything not given takes the plain default. */
export interface SettingSpec<T, U extends string, S extends Scope, D extends string | undefined> {
  env?: string;
  scope: S;
  kind: Kind<T, U>;
  default?: D;
  secret?: boolean;
  required?: boolean;
  below?: string;
  doc: string;
}

/** Declares a setting (the one function every table, and a test's throwaway table, uses). */
export function setting<T, U extends string, S extends Scope, const D extends string | undefined = undefined>(
  spec: SettingSpec<T, U, S, D>,
): Setting<T, U, D extends string ? false : true, S> {
  return {
    env: spec.env,
    scope: spec.scope,
    kind: spec.kind,
    default: spec.default,
    optional: (spec.default === undefined) as D extends string ? false : true,
    secret: spec.secret ?? false,
    required: spec.required ?? false,
    below: spec.below,
    doc: spec.doc,
  };
}

/** Settings of one part of the configuration, by name; `S` limits the scopes it may hold. */
export type Table<S extends Scope = Scope> = Readonly<Record<string, Setting<unknown, string, boolean, S>>>;

type FieldName<K, X> = X extends Setting<unknown, infer U> ? `${K & string}${U}` : never;
type ValueOf<X> = X extends Setting<infer T, string, infer O> ? (O extends true ? T | undefined : T) : never;

/** The values a table yields, by config field (`window` → `windowMs: number`). */
export type Values<T extends Table> = { -readonly [K in keyof T as FieldName<K, T[K]>]: ValueOf<T[K]> };

/** What a config-file environment may override of a global table: its `both` settings. */
export type Overrides<T extends Table> = {
  -readonly [
    K in keyof T as T[K] extends Setting<unknown, string, boolean, "both"> ? FieldName<K, T[K]> : never
  ]?: NonNullable<ValueOf<T[K]>>;
};

/** The config field a setting's value is kept in. */
export function fieldOf(name: string, s: Setting): string {
  return `${name}${s.kind.unit}`;
}
