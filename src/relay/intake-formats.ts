import type { RelayConfig } from "../config/types.js";
import {
  eventState,
  type Alarm,
  type InputSource,
  type MappingDefaults,
  type OutboundAlarm,
  type UpstreamApi,
} from "./alarm.js";
import { toOutbound } from "./outbound.js";
import { parseAlertmanager } from "./parse-alertmanager.js";
import { parseGrafana } from "./parse-grafana.js";
import { parseNativeAlarm } from "./parse-native.js";
import { parseV1Push } from "./parse-v1.js";
import { parseV2Ingest, v2ToV1 } from "./parse-v2.js";
import type { RejectedAlert } from "./validation-error.js";

/** The body formats the relay takes: Dynatrace's v1 push and v2 ingest, Alertmanager, Grafana, native. */
export type IntakeFormat = "v1" | "v2" | "alertmanager" | "grafana" | "native";

/** Who sent a body and for where: what a parser needs besides the body. */
export interface IntakeContext {
  /** The target environment, already checked to be configured. */
  environment: string;
  /** The `Idempotency-Key` header: when set, it is the alarm's dedupe key. */
  idempotencyKey?: string;
}

/** What a format's parser made of a body: alarms to queue, and alerts it could not use. */
export interface ParsedIntake {
  alarms: OutboundAlarm[];
  rejected: RejectedAlert[];
}

/** The settings a parser maps with: the upstream API and the environment's mapping defaults. */
export interface MappingSettings {
  api: UpstreamApi;
  defaults: MappingDefaults;
}

interface FormatSpec {
  /** The `source` label of alarms refused before their body was parsed. */
  source: InputSource;
  /** Validates and maps a body; throws (rejects with) InvalidAlarmError when nothing of it can be used. */
  parse(
    body: unknown,
    context: IntakeContext,
    settings: MappingSettings,
  ): ParsedIntake | Promise<ParsedIntake>;
}

const keyed = (key: string | undefined) => (key ? `key:${key}` : undefined);

/**
 * Each format's parse and mapping to the queued shape. The body is mapped to the configured
 * upstream API here, at intake, so a later change of RELAY_API_VERSION never sends a queued body
 * to the wrong endpoint.
 */
export const INTAKE_FORMATS: Readonly<Record<IntakeFormat, FormatSpec>> = {
  v1: {
    source: "v1",
    parse: (body, ctx, s) => ({
      alarms: [toOutbound(parseV1Push(body, ctx.idempotencyKey), s.api)],
      rejected: [],
    }),
  },
  v2: {
    source: "v2",
    parse: (body, ctx, s) => {
      const { event, key } = parseV2Ingest(body, ctx.idempotencyKey);
      const state = eventState(event.title, event.entitySelector, event.startTime, ctx.idempotencyKey);
      const alarm: OutboundAlarm =
        s.api === "v2"
          ? { source: "v2", dedupeKey: key, api: "v2", body: event, ...(state ? { state } : {}) }
          : toOutbound({ ...v2ToV1(event, key, s.defaults), ...(state ? { state } : {}) }, "v1");
      return { alarms: [alarm], rejected: [] };
    },
  },
  alertmanager: {
    source: "alertmanager",
    parse: async (body, _ctx, s) => outboundBatch(await parseAlertmanager(body, s.defaults), s.api),
  },
  grafana: {
    source: "grafana",
    parse: async (body, _ctx, s) => outboundBatch(await parseGrafana(body, s.defaults), s.api),
  },
  native: {
    source: "native",
    parse: (body, ctx, s) => {
      const alarm = parseNativeAlarm(body, s.defaults);
      const keyedBy = keyed(ctx.idempotencyKey);
      // An Idempotency-Key names one request: the key alone decides, whatever the state.
      const keyedAlarm = keyedBy === undefined ? alarm : { ...alarm, dedupeKey: keyedBy, state: undefined };
      return { alarms: [toOutbound(keyedAlarm, s.api)], rejected: [] };
    },
  },
};

/** A notification's alarms in the upstream API's shape, with its rejects. */
function outboundBatch(
  batch: { alarms: Alarm[]; rejected: RejectedAlert[] },
  api: UpstreamApi,
): ParsedIntake {
  return { alarms: batch.alarms.map((a) => toOutbound(a, api)), rejected: batch.rejected };
}

/** Dynatrace's own limit on request bodies, which the relay keeps for its Dynatrace-shaped inputs. */
export const DYNATRACE_BODY_LIMIT = 1024 * 1024;

/**
 * The largest body the format accepts, in bytes: Dynatrace's 1 MiB, except Alertmanager's and
 * Grafana's, which send whatever their group holds; Alertmanager never retries a 4xx
 * (RELAY_ALERTMANAGER_MAX_BODY).
 */
export function intakeBodyLimit(format: IntakeFormat, config: RelayConfig): number {
  return format === "alertmanager" || format === "grafana"
    ? config.alertmanagerMaxBodyBytes
    : DYNATRACE_BODY_LIMIT;
}
