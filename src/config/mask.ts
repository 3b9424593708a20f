import { maskProxyUrl } from "./network.js";
import { REDACTED } from "./quote.js";
import { fieldOf, type Table } from "./setting.js";
import { SETTINGS, type Settings } from "./settings.js";
import type { AppConfig, AppConfigOf, Connection } from "./types.js";

/** What masking reads of a configuration of any table of settings. */
interface Printable {
  web: object;
  relay: object;
  shard: object | undefined;
  environments: (Connection & { relay?: object })[];
}

/**
 * The effective configuration as a plain object fit for printing (`--check-config`, the landing
 * page), derived from the declarations: every setting by its name (the config-file key), shown by
 * its kind (durations in Prometheus form), unset ones as null, every secret setting replaced by a
 * mask that reveals nothing of it; the connection's tokens masked and proxy URLs shown without
 * their user and password.
 */
export function maskConfig(config: AppConfig): Record<string, unknown>;
export function maskConfig<S extends Settings>(config: AppConfigOf<S>, settings: S): Record<string, unknown>;
export function maskConfig(config: Printable, settings: Settings = SETTINGS): Record<string, unknown> {
  return {
    ...shown(settings.server, config),
    web: shown(settings.web, config.web),
    shard: config.shard ?? null,
    environments: config.environments.map((e) => ({
      name: e.name,
      url: `${e.address.origin}${e.address.basePath}`,
      token: REDACTED,
      ingestToken: REDACTED,
      tokenSource: e.tokenSource,
      ingestTokenFile: e.ingestTokenFile ?? null,
      proxy: maskProxyUrl(e.proxy),
      caFile: e.caFile ?? null,
      ...shown(settings.feed, e),
      ...(e.relay ? { relay: shown(settings.relay, e.relay, true) } : {}),
    })),
    relay: shown(settings.relay, config.relay),
  };
}

/** A table's values by setting name as printed; unset ones null, or left out with `givenOnly`. */
function shown(table: Table, values: object, givenOnly = false): Record<string, unknown> {
  const byField = values as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(table)) {
    const value = byField[fieldOf(name, s)];
    if (value === undefined) {
      if (!givenOnly) out[name] = null;
    } else if (s.secret) {
      out[name] = Array.isArray(value) ? value.map(() => REDACTED) : REDACTED;
    } else {
      out[name] = s.kind.show(value);
    }
  }
  return out;
}
