import type { Registry } from "prom-client";
import type { AppConfig } from "../../config/types.js";
import type { DynatraceClient } from "../../dynatrace/client.js";
import type { Logger } from "../../log/logger.js";
import { LifecycleMetrics } from "../../metrics/lifecycle-metrics.js";
import type { Outbox, QueuedAlarm } from "../outbox.js";
import type { SendDecision } from "../sender.js";
import { LifecycleIntake } from "./intake.js";
import { type LifecycleSettings, lifecycleForEnvironment } from "../../config/lifecycle.js";
import { SendCheck } from "./send-check.js";
import { LifecycleStore } from "./store.js";
import { isRefresh, LifecycleWorker } from "./worker.js";

/** The problem lifecycle's parts: the intake step and one worker per environment. */
export interface LifecycleParts {
  intake: LifecycleIntake | undefined;
  workers: LifecycleWorker[];
  /** Settings in effect per environment (for the landing page and logs). */
  settings: Map<string, LifecycleSettings>;
  /**
   * Records the correlation id of a delivered event of a kept-open alert (and what the check
   * before its send decided: a superseded firing counted, an unchecked one closed again).
   */
  delivered?: (environment: string, alarm: QueuedAlarm, correlationId?: string) => void;
  /**
   * False for a queued refresh of an alert no longer kept open, or whose problem was closed
   * elsewhere since its last delivery (a look-up right before the send): it is dropped unsent.
   * An agent's firing whose problem was closed after it was queued: sent as an info event.
   */
  stillWanted?: (environment: string, alarm: QueuedAlarm) => SendDecision | Promise<SendDecision>;
  /** Stops keeping open an alert whose event Dynatrace refused with a verdict (dead-lettered). */
  refused?: (environment: string, alarm: QueuedAlarm) => void;
}

/**
 * Builds the lifecycle over the relay's outbox and clients. Metrics always exist; the intake and
 * workers only with an outbox and a v2 upstream (v1 has no event that a Problems API close can be
 * matched with reliably, see docs/relay-problems.md), and a worker only for environments whose
 * lifecycle is on. Throws ConfigError for an invalid `relay.lifecycle`/`relay.severityMap`.
 */
export function buildLifecycle(
  config: AppConfig,
  deps: {
    registry: Registry;
    logger: Logger;
    clock: () => number;
    outbox: Outbox | undefined;
    clients: Map<string, { client: DynatraceClient; wake: () => void }>;
  },
): LifecycleParts {
  const settings = new Map(
    config.environments.map((e, i) => [
      e.name,
      lifecycleForEnvironment(config.relay.lifecycle, `environments[${i}].relay`, e.relay),
    ]),
  );
  const outbox = deps.outbox;
  const store =
    outbox && config.relay.apiVersion === "v2" ? new LifecycleStore(outbox.database()) : undefined;
  const metrics = new LifecycleMetrics(
    deps.registry,
    config.environments.map((e) => e.name),
    () => store?.keptCounts(),
  );
  if (outbox && !store && [...settings.values()].some((s) => s.inputs.length > 0)) {
    deps.logger.info(
      "relay problem lifecycle is off: it needs RELAY_API_VERSION=v2 (alerts are relayed as events, as before)",
    );
  }
  if (!outbox || !store) return { intake: undefined, workers: [], settings };
  const workers = new Map<string, LifecycleWorker>();
  const checks = new Map<string, SendCheck>();
  for (const [name, s] of settings) {
    const c = deps.clients.get(name);
    if (!c || s.inputs.length === 0) continue;
    const check = new SendCheck({
      environment: name,
      store,
      client: c.client,
      metrics,
      logger: deps.logger,
      clock: deps.clock,
      timeoutMinutes: s.timeoutMinutes,
      wakeWorker: () => workers.get(name)?.wake(),
    });
    checks.set(name, check);
    workers.set(
      name,
      new LifecycleWorker({
        sendCheck: check,
        environment: name,
        store,
        outbox,
        client: c.client,
        metrics,
        logger: deps.logger,
        clock: deps.clock,
        settings: s,
        maxAgeMs: config.relay.maxAgeMs,
        wakeSender: c.wake,
      }),
    );
  }
  const intake = new LifecycleIntake({
    store,
    apiVersion: config.relay.apiVersion,
    settingsFor: (environment) => settings.get(environment) ?? config.relay.lifecycle,
    clock: deps.clock,
    states: outbox.alarmStates(),
    onResolved: (environment) => workers.get(environment)?.wake(),
    logger: deps.logger,
  });
  // A delivery of a kept alert's event is when it was last refreshed. Failing to record it must
  // never pause delivery (a later look-up may then take an outage's timeout for a close and stop
  // early, which a repeat or a resolve sets right), so errors stay here, logged at debug. A
  // correlation id only speeds matching up (the alert key matches anyway).
  const delivered = (environment: string, alarm: QueuedAlarm, correlationId?: string) => {
    const now = deps.clock();
    try {
      checks.get(environment)?.delivered(alarm);
      store.delivered(environment, alarm.identity, now);
      if (correlationId !== undefined)
        store.recordCorrelation(environment, alarm.identity, correlationId, now);
    } catch (err) {
      deps.logger.debug(
        { environment, err: (err as Error).message },
        "relay could not record the delivery of a kept alert's event",
      );
    }
  };
  // A refresh or firing queued before the alert was resolved (here or, seen by a look-up,
  // elsewhere) would reopen its closed problem when an outage ends: a refresh is dropped, a firing
  // sent as info. Unreadable tables: send.
  const stillWanted = (environment: string, alarm: QueuedAlarm) => {
    const check = checks.get(environment);
    if (check) return check.wanted(alarm, isRefresh(alarm.dedupeKey));
    if (!isRefresh(alarm.dedupeKey)) return true;
    try {
      return store.alert(environment, alarm.identity) !== undefined;
    } catch {
      return true;
    }
  };
  // Refreshing an event Dynatrace refused (e.g. a property it reserves) would dead-letter it again
  // every RELAY_PROBLEM_REFRESH: the alert is no longer kept open; its dead letter can be replayed.
  const refused = (environment: string, alarm: QueuedAlarm) => {
    checks.get(environment)?.refused(alarm);
    try {
      // Only the refusal of the kept event itself: another event of the alert says nothing of it.
      if (store.alert(environment, alarm.identity)?.body !== alarm.payload) return;
      store.forget(environment, alarm.identity);
    } catch (err) {
      deps.logger.debug(
        { environment, err: (err as Error).message },
        "relay could not stop keeping open an alert whose event was refused",
      );
      return;
    }
    deps.logger.warn(
      { environment, id: alarm.id },
      "relay stopped keeping an alert open: Dynatrace refused its problem-opening event",
    );
  };
  return { intake, workers: [...workers.values()], settings, delivered, stillWanted, refused };
}
