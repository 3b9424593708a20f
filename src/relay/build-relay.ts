import type { Registry } from "prom-client";
import { ConfigError } from "../config/errors.js";
import type { AppConfig } from "../config/types.js";
import type { BackoffPolicy } from "../dynatrace/backoff.js";
import { DynatraceClient } from "../dynatrace/client.js";
import { TokenSource } from "../dynatrace/token-source.js";
import type { Logger } from "../log/logger.js";
import { RelayMetrics } from "../metrics/relay-metrics.js";
import { USER_AGENT } from "../version.js";
import { DataDirLockedError } from "./data-dir-lock.js";
import { DeadLetterService } from "./dead-letter-service.js";
import { warnIfQueuesMayNotFit } from "./disk-budget.js";
import { RESERVE_BYTES } from "./disk-reserve.js";
import { buildLifecycle, type LifecycleParts } from "./lifecycle/build-lifecycle.js";
import { Outbox } from "./outbox.js";
import { RelayService } from "./relay-service.js";
import { RelaySender } from "./sender.js";

/** What to do about a data directory another exporter holds. */
const ONE_EXPORTER_PER_DIR =
  "each exporter needs a RELAY_DATA_DIR of its own (two would send every alarm twice); stop the other one first";

/** The relay's parts, for the composition root to start and stop. */
export interface RelayParts {
  relay: RelayService;
  outbox: Outbox | undefined;
  senders: { sender: RelaySender; client: DynatraceClient }[];
  /** The admin side of the dead-letter table; undefined when the relay is off. */
  deadLetters: DeadLetterService | undefined;
  /** The problem lifecycle (docs/relay-problems.md): its workers start and stop with the senders. */
  lifecycle: LifecycleParts;
}

/**
 * The relay: metrics always (dashboards expect the series), and the outbox and one sender per
 * environment only when inbound tokens or anonymous access are configured, so a feed-only
 * deployment writes nothing to disk.
 */
export function buildRelay(
  config: AppConfig,
  deps: {
    registry: Registry;
    logger: Logger;
    clock: () => number;
    backoff: BackoffPolicy;
    onResponse: (environment: string, endpoint: string, code: string) => void;
  },
): RelayParts {
  const names = config.environments.map((e) => e.name);
  let outbox: Outbox | undefined;
  const enabled = config.relay.tokens.length > 0 || config.relay.allowAnonymous;
  if (enabled) {
    try {
      outbox = new Outbox(config.relay.dataDir, {
        clock: deps.clock,
        dedupeWindowMs: config.relay.dedupeWindowMs,
        queueLimit: config.relay.queueLimit,
        logger: deps.logger,
      });
    } catch (err) {
      if (err instanceof DataDirLockedError)
        throw new ConfigError("RELAY_DATA_DIR", `${err.message}: ${ONE_EXPORTER_PER_DIR}`);
      throw new ConfigError(
        "RELAY_DATA_DIR",
        `cannot open the outbox in ${config.relay.dataDir}: ${(err as Error).message}`,
      );
    }
  }
  if (outbox)
    warnIfQueuesMayNotFit(
      config.relay.dataDir,
      config.relay.queueLimit,
      names.length,
      RESERVE_BYTES,
      deps.logger,
    );
  const metrics = new RelayMetrics(deps.registry, () => outbox, names, deps.clock);
  if (outbox) buryOrphans(outbox, names, metrics, deps.logger);
  // Deliveries are reported to the lifecycle, built below over the senders' clients.
  const hooks: Pick<LifecycleParts, "delivered" | "stillWanted" | "refused"> = {};
  const senders = outbox
    ? config.environments.map((env) => {
        const client = new DynatraceClient({
          address: env.address,
          token: new TokenSource({
            token: env.ingestToken,
            file: env.ingestTokenFile,
            logger: deps.logger,
            context: { environment: env.name, use: "ingest" },
          }),
          proxy: env.proxy,
          ca: env.ca,
          timeoutMs: config.httpTimeoutMs,
          userAgent: USER_AGENT,
          connections: env.relay?.concurrency ?? config.relay.concurrency,
          now: deps.clock,
          onResponse: (endpoint, code) => deps.onResponse(env.name, endpoint, code),
        });
        const sender = new RelaySender({
          environment: env.name,
          outbox: outbox,
          client,
          metrics,
          logger: deps.logger,
          clock: deps.clock,
          backoff: deps.backoff,
          maxAttempts: config.relay.maxAttempts,
          maxAgeMs: config.relay.maxAgeMs,
          concurrency: env.relay?.concurrency ?? config.relay.concurrency,
          attemptTimeoutMs: 2 * config.httpTimeoutMs + 1000,
          onDelivered: (alarm, correlationId) => hooks.delivered?.(env.name, alarm, correlationId),
          onRefused: (alarm) => hooks.refused?.(env.name, alarm),
          stillWanted: (alarm) => hooks.stillWanted?.(env.name, alarm) ?? true,
        });
        return { sender, client, name: env.name };
      })
    : [];
  const lifecycle = buildLifecycle(config, {
    registry: deps.registry,
    logger: deps.logger,
    clock: deps.clock,
    outbox,
    clients: new Map(senders.map((s) => [s.name, { client: s.client, wake: () => s.sender.wake() }])),
  });
  hooks.delivered = lifecycle.delivered;
  hooks.stillWanted = lifecycle.stillWanted;
  hooks.refused = lifecycle.refused;
  const relay = new RelayService(
    config.relay,
    names,
    outbox,
    new Map(senders.map((s) => [s.name, s.sender])),
    metrics,
    new Map(config.environments.filter((e) => e.relay).map((e) => [e.name, mappingOverrides(e.relay ?? {})])),
    deps.logger,
    lifecycle.intake,
  );
  const wake = (environment?: string) => {
    for (const s of senders) if (environment === undefined || s.name === environment) s.sender.wake();
  };
  // Alarms replayed by the dead-letters CLI (another process) go out without waiting for a poll.
  outbox?.onExternalChange(() => wake());
  const deadLetters = outbox && new DeadLetterService(outbox, metrics, deps.logger, deps.clock, wake);
  return { relay, outbox, senders, deadLetters, lifecycle };
}

/**
 * At start: alarms queued for environments the configuration no longer has become dead letters
 * (reason `orphaned`), counted and logged once with the counts per environment. The relay's list
 * of environments changes only at a restart (a reload keeps its senders), so this is the one place.
 */
function buryOrphans(outbox: Outbox, names: string[], metrics: RelayMetrics, logger: Logger): void {
  let orphaned: Record<string, number>;
  try {
    orphaned = outbox.orphan(names);
  } catch (err) {
    // A disk that fails here fails deliveries too; they say so. Starting matters more.
    logger.error({ err: (err as Error).message }, "relay could not look for orphaned alarms at start");
    return;
  }
  const entries = Object.entries(orphaned);
  if (entries.length === 0) return;
  for (const [environment, n] of entries) metrics.deadLetters.inc({ environment }, n);
  const first = entries[0]?.[0] ?? "";
  logger.error(
    { orphaned },
    `relay alarms queued for environments no longer configured were moved to the dead letters (reason orphaned): ${entries.map(([e, n]) => `${n} of ${e}`).join(", ")}; replay them once the environment is back, or elsewhere with: dead-letters replay --environment ${first} --to <environment>`,
  );
}

/** The mapping part of an environment's `relay` settings (its lifecycle keys are read apart). */
function mappingOverrides(r: NonNullable<AppConfig["environments"][number]["relay"]>) {
  const mapping = { ...r };
  delete mapping.lifecycle;
  delete mapping.severityMap;
  return mapping;
}
