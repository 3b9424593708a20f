import { createHash } from "node:crypto";
import type { AlarmState } from "./alarm-states.js";
import type { AlertFacts } from "./lifecycle/alert-facts.js";
import type { RelaySource } from "../metrics/relay-view.js";

/** Where an alarm came in; the `source` label of `dynatrace_relay_received_total`. */
export type InputSource = RelaySource;

/** A tag in a v1 attach rule. */
export interface Tag {
  context: string;
  key: string;
  value?: string;
}

/** A v1 `EventCreation` body: what the relay queues and pushes to `POST /api/v1/events`. */
export interface V1EventCreation {
  eventType: string;
  source: string;
  attachRules: { entityIds?: string[]; tagRule?: { meTypes: string[]; tags: Tag[] }[] };
  title?: string;
  description?: string;
  start?: number;
  end?: number;
  timeoutMinutes?: number;
  customProperties?: Record<string, string>;
  [field: string]: unknown;
}

/** One alarm ready for the outbox: its upstream body and the key that makes repeats duplicates. */
export interface Alarm {
  source: InputSource;
  dedupeKey: string;
  payload: V1EventCreation;
  /**
   * Set when the alarm is attached by its host's name (no RELAY_TAG, no entity id): v1 can only
   * say "HOST entities tagged <host>", v2 can select the host by name.
   */
  attachHost?: string;
  /**
   * What makes alarms "the same alarm" for ordering (its WARNING, CRITICAL, CLEAR sequence is
   * delivered in acceptance order); undefined means the dedupe key.
   */
  identity?: string;
  /**
   * Which alarm it reports a state of, for the dedupe window: a repeat of the alarm's current
   * state is a duplicate, a change never is. Undefined (an `Idempotency-Key`, or no title): the
   * key alone decides.
   */
  state?: AlarmState;
  /** The alert behind it, for the problem lifecycle (Alertmanager, netdata and native inputs). */
  alert?: AlertFacts;
}

/** Upstream API generation of a queued alarm. */
export type UpstreamApi = "v1" | "v2";

/** An alarm as queued: the body exactly as it will be sent, and which API it is for. */
export interface OutboundAlarm {
  source: InputSource;
  dedupeKey: string;
  api: UpstreamApi;
  body: object;
  /** Ordering identity (see {@link Alarm.identity}); undefined means the dedupe key. */
  identity?: string;
  /** Which alarm's state it reports (see {@link Alarm.state}); not stored, used at intake. */
  state?: AlarmState;
  /** The alert behind it (see {@link Alarm.alert}); not stored, used at intake. */
  alert?: AlertFacts;
}

/** What every input mapper needs from the relay configuration. */
export interface MappingDefaults {
  eventType: string;
  source: string;
  tag: string | undefined;
}

/** A stable key for content without a natural id: a hash of its canonical JSON. */
export function contentKey(prefix: string, value: unknown): string {
  return `${prefix}:${createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 32)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Attach rules for an alarm about `host`: HOST entities carrying the configured tag when there is
 * one, else HOST entities tagged with the host's own name.
 */
export function hostAttachRules(defaults: MappingDefaults, host: string): V1EventCreation["attachRules"] {
  return { tagRule: [{ meTypes: ["HOST"], tags: [{ context: "CONTEXTLESS", key: defaults.tag ?? host }] }] };
}

/**
 * Fills the fields Dynatrace requires for the configured event type from the alarm's own title,
 * description and source, so that any RELAY_EVENT_TYPE yields a valid push.
 */
export function withRequiredFields(p: V1EventCreation): V1EventCreation {
  const out = { ...p };
  const summary = p.title ?? p.description ?? p.source;
  if (p.eventType === "CUSTOM_ANNOTATION") {
    out.annotationType ??= p.source;
    out.annotationDescription ??= p.description ?? summary;
  }
  if (p.eventType === "CUSTOM_DEPLOYMENT") {
    out.deploymentName ??= summary;
    out.deploymentVersion ??= p.customProperties?.status ?? "n/a";
  }
  if (p.eventType === "CUSTOM_CONFIGURATION") out.configuration ??= summary;
  return out;
}

/**
 * The state a generic pushed event reports: the alarm is its title on its target (attach rules or
 * entity selector), ordered by its start time. Undefined without a title or with an
 * `Idempotency-Key` (which names one request: the key alone decides).
 */
export function eventState(
  title: string | undefined,
  target: unknown,
  start: number | undefined,
  idempotencyKey: string | undefined,
): AlarmState | undefined {
  if (title === undefined || idempotencyKey) return undefined;
  return { identity: contentKey("event", { title, target: target ?? null }), order: start };
}

/** Identity of a netdata alarm: its host and `chart.alarm`, whichever input format carried it. */
export function netdataIdentity(host: string, chartAlarm: string): string {
  return `netdata:${JSON.stringify([host, chartAlarm])}`;
}

const NETDATA_DESCRIPTION = /^Netdata Notification for: (.+) (\S+) is \S+$/s;

/**
 * Identity of a v1 push sent by netdata's notifier: host and `chart.alarm` from its description
 * (`Netdata Notification for: <host> <chart>.<alarm> is <status>`), else its title.
 */
export function netdataPushIdentity(p: { description?: string; title?: string }): string | undefined {
  const m = NETDATA_DESCRIPTION.exec(p.description ?? "");
  if (m) return netdataIdentity(m[1] as string, m[2] as string);
  return p.title === undefined ? undefined : `netdata-title:${p.title}`;
}
