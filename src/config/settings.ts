import type { Setting, Table } from "./setting.js";
import { CONNECTION, FEED } from "./settings-environment.js";
import { PROCESS, SERVER, WEB } from "./settings-global.js";
import { RELAY } from "./settings-relay.js";

/**
 * Every table of settings, by section. The loaders, `--help`, the docs table, masking, unknown
 * variable detection and the config types all walk this shape, so a setting declared in a table
 * reaches all of them. The scopes each table may hold are part of its type.
 */
export interface Settings {
  /** How an environment is reached; combined into its connection fields by connection.ts. */
  connection: typeof CONNECTION;
  /** Per-environment settings, landing as they are on each environment's config. */
  feed: Table<"environment" | "both">;
  /** The top level of the configuration. */
  server: Table<"global">;
  /** The configuration's `web`. */
  web: Table<"global">;
  /** The configuration's `relay`; its `both` settings may be overridden per environment. */
  relay: Table<"global" | "both">;
  /** Read by their own code (config file path, shard, proxies). */
  process: typeof PROCESS;
}

/** The exporter's settings, in the order `--help` and the docs list them. */
export const SETTINGS = {
  connection: CONNECTION,
  feed: FEED,
  server: SERVER,
  web: WEB,
  relay: RELAY,
  process: PROCESS,
} satisfies Settings;

/** One declared setting with where it is declared. */
export interface Declared {
  section: keyof Settings;
  name: string;
  setting: Setting;
}

/** Every setting of `settings`, table by table in declaration order. */
export function everySetting(settings: Settings): Declared[] {
  return (Object.keys(settings) as (keyof Settings)[]).flatMap((section) =>
    Object.entries(settings[section] as Table).map(([name, setting]) => ({ section, name, setting })),
  );
}

/** The config-file key of a setting an environment may set, or undefined for a global one. */
export function fileKey(d: Declared): string | undefined {
  if (d.setting.scope === "global") return undefined;
  return d.section === "connection" || d.section === "feed" ? d.name : `${d.section}.${d.name}`;
}
