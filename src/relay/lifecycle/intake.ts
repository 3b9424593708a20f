import type { Logger } from "../../log/logger.js";
import type { OutboundAlarm, UpstreamApi } from "../alarm.js";
import type { AlarmStates } from "../alarm-states.js";
import type { EnqueueResult } from "../outbox.js";
import type { V2EventIngest } from "../to-v2.js";
import type { AlertFacts } from "./alert-facts.js";
import { type LifecycleSettings, opensProblem } from "../../config/lifecycle.js";
import type { LifecycleStore } from "./store.js";

/** What the intake needs to apply the lifecycle to one environment's alarms. */
export interface LifecycleIntakeDeps {
  store: LifecycleStore;
  /** Upstream API of queued bodies: the lifecycle applies to v2 only. */
  apiVersion: UpstreamApi;
  settingsFor: (environment: string) => LifecycleSettings;
  clock: () => number;
  /** The dedupe window's alarm states (the outbox's): a resolve repeated within it is a duplicate. */
  states: AlarmStates;
  /** Called after resolves were stored, so the environment's worker closes within seconds. */
  onResolved: (environment: string) => void;
  /** Where an alert that starts being kept open, and a resolve, are logged (info). */
  logger?: Logger;
}

/** An environment's problem lifecycle at a glance. */
export interface LifecycleState {
  keptOpen: number | undefined;
  closing: number | undefined;
}

type Step =
  | { kind: "keep"; alarm: OutboundAlarm; alert: AlertFacts; body: V2EventIngest }
  | { kind: "resolve"; alarm: OutboundAlarm; alert: AlertFacts; sent: boolean; repeat: boolean };

/**
 * Turns alert notifications into problem lifecycle steps at intake, per environment and input:
 * a firing alert whose severity maps to a problem-opening type is queued as a deterministic
 * event and kept open (refreshed) by this replica; a resolved one (or one that fell to an info
 * severity while kept open) stops being refreshed and queues the close of its problem. Alerts of
 * other severities stay info events (`CUSTOM_INFO` unless mapped to another info type), so a
 * `[RESOLVED]` event never opens a problem of its own.
 */
export class LifecycleIntake {
  constructor(private readonly deps: LifecycleIntakeDeps) {}

  /**
   * What the landing page shows of an environment's lifecycle: undefined when it is off there,
   * else the alerts kept open and the resolves still closing (undefined counts if unreadable).
   */
  state(environment: string): LifecycleState | undefined {
    const settings = this.deps.settingsFor(environment);
    if (this.deps.apiVersion !== "v2" || settings.inputs.length === 0) return undefined;
    try {
      return this.deps.store.state(environment);
    } catch {
      return { keptOpen: undefined, closing: undefined };
    }
  }

  /**
   * Queues the alarms with `enqueue` after applying the lifecycle, and stores the kept-open alerts
   * and pending closes in the same transaction, before the caller acknowledges: a failed lifecycle
   * write stores none of the alarms either (503, the agent sends again), so no event goes out for
   * an alert that is then never refreshed. A resolve that sends no event counts as accepted (or
   * duplicate within the dedupe window).
   */
  async accept(
    environment: string,
    alarms: OutboundAlarm[],
    enqueue: (alarms: OutboundAlarm[], alongside?: () => void) => Promise<EnqueueResult>,
  ): Promise<EnqueueResult> {
    const settings = this.deps.settingsFor(environment);
    if (this.deps.apiVersion !== "v2" || settings.inputs.length === 0) return enqueue(alarms);
    const send: OutboundAlarm[] = [];
    const steps: Step[] = [];
    // A repeat of a dedupe key within the notification is a duplicate whatever its severity, for
    // a resolve (which may send no event the outbox could dedupe) as for a firing.
    const unique = firstOfEachKey(alarms);
    for (const alarm of unique) this.plan(environment, settings, alarm, send, steps);
    let duplicates = 0;
    const result = await enqueue(send, () => {
      duplicates = this.commit(environment, settings, steps);
    });
    // Resolves without an event of their own are counted here; those with one were counted by enqueue.
    const silent = steps.filter((s) => s.kind === "resolve" && !s.sent).length;
    return {
      ...result,
      accepted: result.accepted + silent - duplicates,
      duplicates: result.duplicates + duplicates + alarms.length - unique.length,
    };
  }

  /** Stores the steps; returns how many resolves were duplicates (seen within the window). */
  private commit(environment: string, settings: LifecycleSettings, steps: Step[]): number {
    const now = this.deps.clock();
    let resolved = 0;
    let duplicates = 0;
    for (const step of steps) {
      if (step.kind === "keep") {
        if (!this.deps.store.alert(environment, step.alert.key)) {
          this.deps.logger?.info(
            { environment, alert: step.alert.title, eventType: step.body.eventType },
            "relay alert firing: its problem-opening event is queued and kept open while it fires",
          );
        }
        this.deps.store.keepOpen({
          environment,
          key: step.alert.key,
          source: step.alarm.source,
          identity: step.alarm.identity ?? step.alarm.dedupeKey,
          title: step.alert.title,
          body: JSON.stringify(step.body),
          lastSentAt: now,
          nextRefreshAt: now + settings.refreshMs,
        });
      } else if (this.firstResolve(environment, step, now)) {
        // An HA pair's late copy of the resolved firing is then a duplicate in the outbox, here
        // as on the replica that took the firing: it is neither sent nor kept open (see plan).
        if (step.alert.firingDedupeKey !== undefined) {
          this.deps.states.stamp(environment, step.alert.firingDedupeKey, now);
        }
        this.deps.store.resolve({
          environment,
          key: step.alert.key,
          identity: step.alarm.identity ?? step.alarm.dedupeKey,
          title: step.alert.title,
          message: closingComment(step.alert),
          createdAt: now,
          nextAttemptAt: now,
        });
        resolved++;
        this.deps.logger?.info(
          { environment, alert: step.alert.title },
          "relay alert resolved: its problem will be closed",
        );
      } else if (!step.sent) {
        duplicates++;
      }
    }
    if (resolved > 0) this.deps.onResolved(environment);
    return duplicates;
  }

  /**
   * Whether a resolve is new: one sent as an event was judged by the outbox as it was queued (the
   * verdict read before, in plan); one without an event is accepted into the alarm's states here.
   */
  private firstResolve(environment: string, step: Step & { kind: "resolve" }, now: number): boolean {
    if (step.sent) return !step.repeat;
    return this.deps.states.accept(environment, step.alarm.dedupeKey, step.alarm.state, now);
  }

  private plan(
    environment: string,
    settings: LifecycleSettings,
    alarm: OutboundAlarm,
    send: OutboundAlarm[],
    steps: Step[],
  ): void {
    const alert = alarm.alert;
    if (!alert || !settings.inputs.includes(alert.input)) {
      send.push(alarm);
      return;
    }
    const base = alarm.body as V2EventIngest;
    // Own keys only: a `constructor` severity label must not find Object.prototype's members.
    const mapped = Object.hasOwn(settings.severityMap, alert.severity)
      ? settings.severityMap[alert.severity]
      : undefined;
    if (alert.firing && mapped !== undefined && opensProblem(mapped)) {
      const { store, clock, states } = this.deps;
      const body = problemBody(base, alert, mapped, settings.timeoutMinutes);
      const out = { ...alarm, body };
      send.push(out);
      // A repeat of a firing this replica took (or whose resolve it took) within the dedupe
      // window, an HA pair's late copy, while it no longer keeps the alert: the alert resolved or
      // was closed elsewhere since, and the copy must not revive it. The outbox drops the copy.
      // A firing after a resolve is a change of state, not a repeat (alarm-states.ts): kept again.
      const lateCopy =
        states.isRepeat(environment, alarm.dedupeKey, alarm.state, clock()) &&
        store.alert(environment, alert.key) === undefined;
      if (!lateCopy) steps.push({ kind: "keep", alarm: out, alert, body });
      return;
    }
    const problemSeverity = mapped !== undefined && opensProblem(mapped);
    // An info-severity alert stays an event, as an info type even when the input asked otherwise.
    if (!problemSeverity) send.push({ ...alarm, body: { ...base, eventType: mapped ?? "CUSTOM_INFO" } });
    const kept = this.deps.store.alert(environment, alert.key) !== undefined;
    // Alertmanager's (and Grafana's) severity is one of the labels that make the alert (its
    // fingerprint), so a resolve at an info severity can have opened no problem, unless this
    // replica keeps it (the mapping changed). netdata's CLEAR carries no severity: its close is
    // always looked for.
    const mayHaveProblem = problemSeverity || (alert.input !== "alertmanager" && alert.input !== "grafana");
    if (kept || (!alert.firing && mayHaveProblem)) {
      const repeat = this.deps.states.isRepeat(environment, alarm.dedupeKey, alarm.state, this.deps.clock());
      steps.push({ kind: "resolve", alarm, alert, sent: !problemSeverity, repeat });
    }
  }
}

function firstOfEachKey(alarms: OutboundAlarm[]): OutboundAlarm[] {
  const seen = new Set<string>();
  return alarms.filter((a) => !seen.has(a.dedupeKey) && seen.add(a.dedupeKey));
}

/**
 * The problem-opening event of a firing alert: the same bytes for the same alert on every send
 * and every replica (no start time, no values), so that a re-send refreshes the event.
 */
export function problemBody(
  base: V2EventIngest,
  alert: AlertFacts,
  eventType: string,
  timeoutMinutes: number,
): V2EventIngest {
  return {
    eventType,
    title: alert.title,
    timeout: timeoutMinutes,
    ...(base.entitySelector === undefined ? {} : { entitySelector: base.entitySelector }),
    properties: { ...alert.properties },
  };
}

/** The comment a problem is closed with: which alert resolved, and where it is defined. */
export function closingComment(alert: Pick<AlertFacts, "title" | "key" | "generatorURL">): string {
  const where = alert.generatorURL ? ` (${alert.generatorURL})` : "";
  return `Alert resolved: ${alert.title}${where}; alert.key ${alert.key}. Closed by the dynatrace-events-exporter relay.`;
}
