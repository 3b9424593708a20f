import { formatDuration } from "./duration.js";
import { maskProxyUrl } from "./network.js";
import type { AppConfig } from "./types.js";

/**
 * The effective configuration as a plain object fit for printing (`--check-config`, the landing
 * page): durations in Prometheus form, every token replaced by a mask that reveals nothing of it,
 * and proxy URLs shown without their user and password.
 */
export function maskConfig(config: AppConfig): Record<string, unknown> {
  return {
    host: config.host,
    port: config.port,
    logLevel: config.logLevel,
    httpTimeout: formatDuration(config.httpTimeoutMs),
    adminTokens: config.adminTokens.map(() => "<redacted>"),
    web: config.web,
    environments: config.environments.map((e) => ({
      name: e.name,
      url: `${e.address.origin}${e.address.basePath}`,
      token: "<redacted>",
      ingestToken: "<redacted>",
      tokenSource: e.tokenSource,
      ingestTokenFile: e.ingestTokenFile ?? null,
      proxy: maskProxyUrl(e.proxy),
      caFile: e.caFile ?? null,
      apiVersion: e.apiVersion,
      drainInterval: formatDuration(e.drainIntervalMs),
      eventsWindow: formatDuration(e.windowMs),
      drainOverlap: formatDuration(e.overlapMs),
      resyncInterval: formatDuration(e.resyncIntervalMs),
      eventTypes: e.eventTypes,
      excludeEventTypes: e.excludeEventTypes,
      entityId: e.entityId ?? null,
    })),
    relay: {
      ...config.relay,
      tokens: config.relay.tokens.map(() => "<redacted>"),
      maxAge: formatDuration(config.relay.maxAgeMs),
      maxAgeMs: undefined,
      dedupeWindow: formatDuration(config.relay.dedupeWindowMs),
      dedupeWindowMs: undefined,
    },
  };
}
