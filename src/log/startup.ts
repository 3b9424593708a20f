import type { Logger } from "pino";
import type { AppConfig, EnvironmentConfig } from "../config/types.js";

/** One relay intake: what sends to it, and where. */
export interface RelayInput {
  format: string;
  path: string;
}

/**
 * The start, told in the log: one line per environment (its address without credentials or
 * tokens, API version, whether this process drains it and whether it relays to it), then the
 * relay's inputs, store and lifecycle, or how to turn it on. No line holds a secret: tokens are
 * never read here, and the address was refused at load time if it carried credentials.
 */
export function logStartup(
  logger: Logger,
  config: AppConfig,
  drained: ReadonlySet<string>,
  inputs: readonly RelayInput[],
): void {
  const relayOn = config.relay.tokens.length > 0 || config.relay.allowAnonymous;
  const pushes = config.relay.apiVersion === "v2" ? "v2 ingest" : "v1 push";
  for (const env of config.environments) {
    const feed = drained.has(env.name)
      ? `feed ${env.apiVersion} every ${env.drainIntervalMs / 1000} s`
      : "feed drained by another shard";
    const relay = relayOn
      ? `relay ${config.relay.apiVersion === "v2" ? "v2 ingest" : "v1 push"}`
      : "relay off";
    logger.info(
      {
        environment: env.name,
        url: address(env),
        apiVersion: env.apiVersion,
        feed: drained.has(env.name),
        relay: relayOn ? config.relay.apiVersion : false,
      },
      `environment ${env.name}: ${address(env)}, ${feed}, ${relay}`,
    );
  }
  if (!relayOn) {
    logger.info("relay off: set RELAY_TOKENS (or RELAY_ALLOW_ANONYMOUS=true) to take agents' alarms");
    return;
  }
  const lifecycle = config.relay.lifecycle.inputs;
  const lifecycleText =
    config.relay.apiVersion !== "v2"
      ? "off (needs RELAY_API_VERSION=v2)"
      : lifecycle.length > 0
        ? `on for ${lifecycle.join(", ")}`
        : "off";
  logger.info(
    {
      inputs: inputs.map((i) => `${i.format} POST ${i.path}`),
      store: config.relay.dataDir,
      apiVersion: config.relay.apiVersion,
      // What runs, as the message says: v1 has no lifecycle whatever RELAY_LIFECYCLE lists.
      lifecycle: config.relay.apiVersion === "v2" ? lifecycle : [],
      auth: config.relay.tokens.length > 0 ? "token" : "anonymous",
    },
    `relay on: ${inputs.map((i) => `${i.format} ${i.path}`).join(", ")}; outbox in ${config.relay.dataDir}; pushes with ${pushes}; problem lifecycle ${lifecycleText}`,
  );
}

function address(env: EnvironmentConfig): string {
  return `${env.address.origin}${env.address.basePath}`;
}
