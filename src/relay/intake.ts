import type { Logger } from "../log/logger.js";
import type { InputSource, MappingDefaults, OutboundAlarm, UpstreamApi } from "./alarm.js";
import {
  INTAKE_FORMATS,
  type IntakeContext,
  type IntakeFormat,
  type ParsedIntake,
} from "./intake-formats.js";
import type { EnqueueResult } from "./outbox.js";
import { InvalidAlarmError, NoRelayableAlertsError, type RejectedAlert } from "./validation-error.js";

/** What an accepted body became: every alarm in it is on disk, or was a duplicate. */
export interface IntakeReceipt {
  /** Valid alarms in the body (accepted + duplicates). */
  valid: number;
  accepted: number;
  duplicates: number;
  /** Alerts of the body that could not be relayed (Alertmanager only); the rest were stored. */
  rejected: RejectedAlert[];
}

/** What the intake needs of the relay: its mapping settings, its queue and its counters. */
export interface IntakeDeps {
  readonly apiVersion: UpstreamApi;
  defaultsFor(environment: string): MappingDefaults;
  /** Durably queues alarms; throws OutboxUnavailableError when the outbox cannot take them. */
  accept(environment: string, source: InputSource, alarms: OutboundAlarm[]): Promise<EnqueueResult>;
  rejected(source: InputSource, environment: string, n?: number): void;
  readonly logger?: Logger;
}

/**
 * The relay's one way in: parses a body of `format`, maps it to the configured upstream API,
 * and queues it (duplicates within RELAY_DEDUPE_WINDOW are counted, not stored). Resolves only
 * once the alarms are on disk. Rejects are counted per alarm and logged once per body.
 *
 * Throws {@link InvalidAlarmError} when the body is not a valid alarm, {@link NoRelayableAlertsError}
 * when no alert of a notification is, OutboxUnavailableError when the queue is full or the disk
 * fails (then nothing of the body is stored). Never throws for anything else a sender can send.
 */
export async function intake(
  deps: IntakeDeps,
  format: IntakeFormat,
  body: unknown,
  context: IntakeContext,
): Promise<IntakeReceipt> {
  const { environment } = context;
  const parsed = await parse(deps, format, body, context);
  const { alarms, rejected } = parsed;
  if (rejected.length > 0) {
    deps.rejected(INTAKE_FORMATS[format].source, environment, rejected.length);
    deps.logger?.warn(
      rejectsLogFields(environment, alarms.length, rejected),
      "alerts of a notification rejected",
    );
  }
  if (alarms.length === 0) throw new NoRelayableAlertsError(rejected);
  const source = alarms[0]?.source ?? INTAKE_FORMATS[format].source;
  const { accepted, duplicates } = await deps.accept(environment, source, alarms);
  return { valid: alarms.length, accepted, duplicates, rejected };
}

/** The format's parse of the body; an invalid body is counted as one rejected alarm. */
async function parse(
  deps: IntakeDeps,
  format: IntakeFormat,
  body: unknown,
  context: IntakeContext,
): Promise<ParsedIntake> {
  const spec = INTAKE_FORMATS[format];
  try {
    return await spec.parse(body, context, {
      api: deps.apiVersion,
      defaults: deps.defaultsFor(context.environment),
    });
  } catch (err) {
    if (err instanceof InvalidAlarmError) deps.rejected(spec.source, context.environment);
    throw err;
  }
}

// One log line per notification, not per alert: a 5000-alert group must not flood the log.
function rejectsLogFields(environment: string, valid: number, rejected: RejectedAlert[]) {
  return {
    environment,
    valid,
    rejected: rejected.length,
    examples: rejected.slice(0, 3).map((r) => ({
      index: r.index,
      fingerprint: r.fingerprint,
      error: r.errors[0] ? `${r.errors[0].path}: ${r.errors[0].message}` : "invalid",
    })),
  };
}
