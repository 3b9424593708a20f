import { bool, duration, integer, oneOf } from "./kinds.js";
import { dynatraceUrl, list, path, text } from "./kinds-text.js";
import { labelMap } from "./kinds-map.js";
import { setting } from "./setting.js";

/** Which Dynatrace API: the feed reads with it, the relay pushes with it. */
/** A token: one word; whitespace inside is a paste mistake that would fail every request as a 401. */
const token = () =>
  text({
    trim: true,
    type: "token",
    pattern: /^\S*$/,
    message: "contains whitespace inside it (a paste mistake?): a token is one word",
  });

export const API_VERSION = oneOf(["v1", "v2"], (v) => `unsupported value ${v} (supported: v1, v2)`);

/**
 * How the exporter reaches one Dynatrace environment: address, label, tokens, CA. Declared here
 * for the variables, the file keys, validation, docs and masking; connection.ts combines them
 * (a token or its file, the label from the URL) into the environment's connection fields.
 */
export const CONNECTION = {
  url: setting({
    env: "DYNATRACE_URL",
    scope: "environment",
    kind: dynatraceUrl(),
    required: true,
    doc: "Environment base URL: SaaS `https://abc12345.live.dynatrace.com`, or Managed/ActiveGate `https://host[:9999]/e/<environment-id>`. A trailing slash or a pasted `/api/v1/events` is tolerated; a query string is refused (that is where `api-token=` would leak from).",
  }),
  token: setting({
    env: "DYNATRACE_API_TOKEN",
    scope: "environment",
    kind: token(),
    secret: true,
    doc: "API token with the `DataExport` scope, sent as `Authorization: Api-Token <token>`. Never logged, printed or exported.",
  }),
  tokenFile: setting({
    env: "DYNATRACE_API_TOKEN_FILE",
    scope: "environment",
    kind: path(),
    doc: "Path of a file holding the token instead (Kubernetes secrets); re-read when it changes, so a rotated Secret applies without a restart. Set one of the two.",
  }),
  name: setting({
    env: "DYNATRACE_ENVIRONMENT",
    scope: "environment",
    kind: text({
      pattern: /^[\w.:-]{1,128}$/,
      message: "must be 1-128 letters, digits, '.', ':', '_' or '-'",
      type: "label, 1-128 of `A-Za-z0-9_.:-`",
    }),
    required: true,
    doc: "Value of the `environment` label (`abc12345` for SaaS, the `/e/<id>` part for Managed).",
  }),
  ingestToken: setting({
    env: "DYNATRACE_INGEST_TOKEN",
    scope: "environment",
    kind: token(),
    secret: true,
    doc: "Token the relay pushes with: scope `DataExport` for v1 push, `events.ingest` for v2 ingest.",
  }),
  ingestTokenFile: setting({
    env: "DYNATRACE_INGEST_TOKEN_FILE",
    scope: "environment",
    kind: path(),
    doc: "File holding the ingest token instead; token files are re-read when they change.",
  }),
  caFile: setting({
    env: "DYNATRACE_CA_FILE",
    scope: "both",
    kind: path(),
    doc: "PEM file of extra CAs trusted for the tenant's TLS.",
  }),
};

/** What and how often one environment's events feed is read; the values land as they are. */
export const FEED = {
  apiVersion: setting({
    env: "DYNATRACE_API_VERSION",
    scope: "both",
    kind: API_VERSION,
    default: "v1",
    doc: 'Events feed read: `v1` (`/api/v1/events`) or `v2` (`/api/v2/events`, token scope `events.read`); see "v1 or v2".',
  }),
  allowHttp: setting({
    env: "DYNATRACE_ALLOW_HTTP",
    scope: "both",
    kind: bool(),
    default: "false",
    doc: "`true` accepts an `http://` tenant address other than localhost (the token then travels unencrypted). Without it such an address is a configuration error naming the `https://` one.",
  }),
  drainInterval: setting({
    env: "DRAIN_INTERVAL",
    scope: "both",
    kind: duration({ min: "1s" }),
    default: "60s",
    doc: "Time between drain starts. A drain that overruns delays the next; drains never overlap.",
  }),
  window: setting({
    env: "EVENTS_WINDOW",
    scope: "both",
    kind: duration({ min: "1m", max: "2y" }),
    default: "24h",
    doc: "Closed events count while their end lies within this window (at most 2 years, the API's limit).",
  }),
  overlap: setting({
    env: "DRAIN_OVERLAP",
    scope: "both",
    kind: duration({ min: "0s" }),
    default: "2m",
    below: "window",
    doc: "Each incremental drain re-reads from the previous drain's end minus this, to catch events Dynatrace indexes late and to absorb clock skew. Must be shorter than the window.",
  }),
  resyncInterval: setting({
    env: "RESYNC_INTERVAL",
    scope: "both",
    kind: duration({ min: "1m" }),
    default: "6h",
    doc: "Time between full re-reads of the window, which remove events the server no longer returns.",
  }),
  eventTypes: setting({
    env: "EVENT_TYPES",
    scope: "both",
    kind: list(),
    default: "",
    doc: "Comma list: count only these event types (applied client side).",
  }),
  excludeEventTypes: setting({
    env: "EXCLUDE_EVENT_TYPES",
    scope: "both",
    kind: list(),
    default: "",
    doc: "Comma list: never count these event types (applied client side).",
  }),
  entityId: setting({
    env: "ENTITY_ID",
    scope: "environment",
    kind: text(),
    doc: "Only events of this entity (passed to the API as `entityId`).",
  }),
  maxPages: setting({
    env: "FEED_MAX_PAGES",
    scope: "both",
    kind: integer({ min: 1, max: 1_000_000 }),
    default: "10000",
    doc: "Most pages one read of the events feed may take (1,500,000 v1 / 10,000,000 v2 events at 10000); more fails the drain as paging_loop.",
  }),
  // Problems collector, opt-in labels and the series cap (docs/problems-and-dimensions.md);
  // `dimensions` and `staticLabels` are checked together by labels.ts once the entry is read.
  problems: setting({
    env: "PROBLEMS",
    scope: "both",
    kind: oneOf(["auto", "on", "off"], (v) => `unsupported value ${v} (use auto, on, off)`),
    default: "auto",
    doc: "Problems collector (`GET /api/v2/problems`, scope `problems.read`): `auto` collects for environments reading the v2 feed, `on` for all, `off` for none. A 403 turns it off with one log line; asked again hourly and at a reload. File key `problems`.",
  }),
  maxSeries: setting({
    env: "MAX_SERIES",
    scope: "both",
    kind: integer({ min: 10, max: 1_000_000 }),
    default: "10000",
    doc: "Series cap: most label sets per metric family and environment; new ones beyond it fold into one series whose varying labels read `other` (`dynatrace_series_folded_total`). File key `maxSeries`.",
  }),
  dimensions: setting({
    scope: "environment",
    kind: list(),
    doc: "Opt-in labels of v2 events and problems (config file only): `management_zone`, `entity_type`, `tag:<key>` (label `tag_<key>`); at most 16.",
  }),
  staticLabels: setting({
    scope: "environment",
    kind: labelMap(),
    doc: "Labels with fixed values added to the event and problem families (config file only, a map name: value); at most 16, none named like a built-in or opt-in label.",
  }),
  readConcurrency: setting({
    env: "FEED_READ_CONCURRENCY",
    scope: "both",
    kind: integer({ min: 1, max: 64 }),
    default: "8",
    doc: "Feed requests in flight at once per environment, at most (1 to 64): full reads of 16+ pages are read in time slices side by side, as many as pay off (measured on the first 4 pages: one while the exporter is busy half the time, e.g. a tenant answering at once); 1: page after page; halved on 429, +1 per 16 pages that succeed in a row.",
  }),
  readSlicing: setting({
    env: "FEED_READ_SLICING",
    scope: "both",
    kind: oneOf(["measured", "fixed"], (v) => `unsupported value ${v} (use measured, fixed)`),
    default: "measured",
    doc: "How many time slices a full read of 16+ pages runs side by side: `measured` as many as pay off by the first 4 pages (see FEED_READ_CONCURRENCY), `fixed` always FEED_READ_CONCURRENCY (a distant tenant read from a busy process, where the measure may stay at one). File key `readSlicing`.",
  }),
};
