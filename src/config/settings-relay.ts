import { bool, byteSize, duration, integer, oneOf } from "./kinds.js";
import { list, path, text } from "./kinds-text.js";
import { setting } from "./setting.js";
import { API_VERSION } from "./settings-environment.js";
import { V1_PUSH_EVENT_TYPES } from "./choices.js";
import { lifecycleInputs, severityMap } from "./kinds-map.js";
import { LIFECYCLE_DEFAULTS } from "./lifecycle.js";

/**
 * The alarm relay: inbound auth, the outbox, delivery limits, and how alarms are mapped. Its
 * `both` settings (mapping and concurrency) may be overridden per environment under the file's
 * `relay:` key; the override lands in that environment's `relay` and the relay prefers it.
 */
export const RELAY = {
  tokens: setting({
    env: "RELAY_TOKENS",
    scope: "global",
    kind: list(),
    default: "",
    secret: true,
    doc: "Comma list of tokens agents must present to post alarms. Without it (and without `RELAY_ALLOW_ANONYMOUS`) the relay answers 401 and writes nothing to disk.",
  }),
  allowAnonymous: setting({
    env: "RELAY_ALLOW_ANONYMOUS",
    scope: "global",
    kind: bool(),
    default: "false",
    doc: "`true` accepts alarms without a token (only behind a trusted network boundary).",
  }),
  dataDir: setting({
    env: "RELAY_DATA_DIR",
    scope: "global",
    kind: path("directory"),
    default: "./data",
    doc: "Directory of the relay's outbox (`relay-outbox.sqlite`). Give it a persistent volume.",
  }),
  eventType: setting({
    env: "RELAY_EVENT_TYPE",
    scope: "both",
    kind: oneOf(
      V1_PUSH_EVENT_TYPES,
      (v) => `unsupported event type ${v} (use ${V1_PUSH_EVENT_TYPES.join(", ")})`,
      "v1 push event type",
    ),
    default: "CUSTOM_INFO",
    doc: "Event type of relayed netdata-style, native and Alertmanager alarms (any v1 push type; the fields that type requires are filled from the alarm).",
  }),
  source: setting({
    env: "RELAY_SOURCE",
    scope: "both",
    kind: text(),
    default: "Netdata Alarm",
    doc: "`source` of relayed native alarms (netdata's `DYNATRACE_ANNOTATION_TYPE` default).",
  }),
  tag: setting({
    env: "RELAY_TAG",
    scope: "both",
    kind: text(),
    doc: "Attach alarms to HOST entities with this tag instead of to the alarm's host.",
  }),
  apiVersion: setting({
    env: "RELAY_API_VERSION",
    scope: "global",
    kind: API_VERSION,
    default: "v2",
    doc: '`v2` (default): push with `POST /api/v2/events/ingest` (token scope `events.ingest`), which the problem lifecycle needs; `v1`: push with `POST /api/v1/events` (scope `DataExport`; Dynatrace deprecated the v1 events API; see docs/relay.md, "Moving from v1 push to v2 ingest").',
  }),
  maxAttempts: setting({
    env: "RELAY_MAX_ATTEMPTS",
    scope: "global",
    kind: integer({ min: 1 }),
    default: "100",
    doc: "Kept for compatibility; no longer dead-letters anything: environment-level failures retry until RELAY_MAX_AGE, and a verdict about an alarm dead-letters it at once.",
  }),
  maxAge: setting({
    env: "RELAY_MAX_AGE",
    scope: "global",
    kind: duration({ min: "1s" }),
    default: "24h",
    doc: "Age after which an undelivered alarm is dead-lettered (reason expired) instead of retried further; it can be replayed from there.",
  }),
  queueLimit: setting({
    env: "RELAY_QUEUE_LIMIT",
    scope: "global",
    kind: integer({ min: 1 }),
    default: "100000",
    doc: "Alarms waiting per environment before new ones get 503.",
  }),
  dedupeWindow: setting({
    env: "RELAY_DEDUPE_WINDOW",
    scope: "global",
    kind: duration({ min: "0s" }),
    default: "2m",
    doc: "The same alarm (same key, see Delivery guarantees) again within this window is a duplicate.",
  }),
  alertmanagerMaxBody: setting({
    env: "RELAY_ALERTMANAGER_MAX_BODY",
    scope: "global",
    kind: byteSize({ min: 1024 }),
    default: "8MiB",
    doc: "Largest Alertmanager or Grafana notification accepted (bytes, or e.g. 8MiB, 16MB); larger ones get 413.",
  }),
  concurrency: setting({
    env: "RELAY_CONCURRENCY",
    scope: "both",
    kind: integer({ min: 1, max: 256 }),
    default: "16",
    doc: "Most alarm deliveries in flight at once per environment (halved on 429, regrown by one per that many successes); alarms of one identity always go one at a time, in order.",
  }),
  // Problem lifecycle (docs/relay-problems.md): combined into `relay.lifecycle` by lifecycle.ts.
  lifecycle: setting({
    env: "RELAY_LIFECYCLE",
    scope: "both",
    kind: lifecycleInputs(),
    default: LIFECYCLE_DEFAULTS.RELAY_LIFECYCLE,
    doc: "Inputs whose alerts open a Dynatrace problem while firing and close it when resolved (v2 upstream only): `on`, `off`, or a comma list of `alertmanager`, `grafana`, `netdata`, `native`.",
  }),
  severityMap: setting({
    env: "RELAY_SEVERITY_MAP",
    scope: "both",
    kind: severityMap(),
    default: LIFECYCLE_DEFAULTS.RELAY_SEVERITY_MAP,
    doc: "Alert severity (Alertmanager and Grafana `severity` label; netdata/native status) to v2 event type; problem-opening types open a problem, unlisted severities stay `CUSTOM_INFO` events.",
  }),
  problemTimeout: setting({
    env: "RELAY_PROBLEM_TIMEOUT",
    scope: "global",
    kind: duration({ min: "1m", max: "6h" }),
    default: LIFECYCLE_DEFAULTS.RELAY_PROBLEM_TIMEOUT,
    doc: "`timeout` of a firing alert's problem-opening event (1m to 6h, whole minutes): it closes this long after its last refresh. At least twice RELAY_PROBLEM_REFRESH.",
  }),
  problemRefresh: setting({
    env: "RELAY_PROBLEM_REFRESH",
    scope: "global",
    kind: duration({ min: "10s" }),
    default: LIFECYCLE_DEFAULTS.RELAY_PROBLEM_REFRESH,
    doc: "How often the replica that received a firing alert re-sends its event to keep it open (10s to half of RELAY_PROBLEM_TIMEOUT).",
  }),
};
