import { createHash } from "node:crypto";

/** Value exported for a dimension the API did not send. */
export const UNKNOWN = "unknown";

/**
 * One event reduced to what the exporter counts. Produced by the v1 and v2 page parsers;
 * independent of API generation. Its label values are already safe to export
 * ({@link labelValue}).
 */
export interface FeedEvent {
  /** Exact, unique key: the server's `id`, else `<eventId>_<startTime>` from the exact eventId. */
  key: string;
  eventType: string;
  severityLevel: string;
  impactLevel: string;
  open: boolean;
  startTime: number;
  /** -1 while the event is open. */
  endTime: number;
  /** Encoded opt-in labels of the event (v2, when the environment lists `dimensions`). */
  extra?: string;
  /** The event's zones, entity type and tags, read when the environment opted in. */
  dimensions?: ItemDimensions;
}

/** Most management zones or tags read from one event or problem; the rest are ignored. */
export const MAX_ITEM_DIMENSIONS = 64;

/**
 * What an event (v2) or a problem says about where it belongs, for the opt-in labels: its
 * management zones' names, its entity's type and its entity tags. Every value is already a safe
 * label value ({@link labelValue}); none is trusted beyond that.
 */
export interface ItemDimensions {
  /** Distinct management zone names, in the order sent (at most {@link MAX_ITEM_DIMENSIONS}). */
  zones: string[];
  /** The entity type (`HOST`, `SERVICE`, ...) or "" when the item names none. */
  entityType: string;
  /** Tag key -> value: the first tag with a key wins; a tag without a value reads "true". */
  tags: Map<string, string>;
}

/** Why an event of a page was not counted (`dynatrace_events_skipped_total{reason}`). */
export type SkipReason =
  | "not_an_object"
  | "missing_id"
  | "invalid_id"
  | "invalid_start_time"
  /** Events of a legacy v1 millisecond that no documented filter can page to (feed-v1-millisecond.ts). */
  | "legacy_millisecond";

/** Every {@link SkipReason}, for pre-creating the counter's series. */
export const SKIP_REASONS: readonly SkipReason[] = [
  "not_an_object",
  "missing_id",
  "invalid_id",
  "invalid_start_time",
  "legacy_millisecond",
];

/** Skipped events of a page (or a drain) by reason; a missing reason means none. */
export type SkipCounts = Partial<Record<SkipReason, number>>;

/** Adds one skip of `reason` to `counts`. */
export function countSkip(counts: SkipCounts, reason: SkipReason): void {
  counts[reason] = (counts[reason] ?? 0) + 1;
}

/** Longest label value exported, in UTF-16 code units; longer ones are cut and hashed. */
export const MAX_LABEL_LENGTH = 128;
/** Longest event key kept; a longer `id` / `eventId` costs that event (`invalid_id`). */
export const MAX_KEY_LENGTH = 256;
const HASH_CHARS = 8;
// C0 and C1 control characters (NUL, CR, LF, ...) and lone UTF-16 surrogates, which have no
// UTF-8 encoding: neither belongs in a label value.
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A tenant-supplied string made safe as a Prometheus label value: control characters and lone
 * surrogates become U+FFFD, and a value longer than {@link MAX_LABEL_LENGTH} keeps its first
 * 119 code units, then `~` and 8 hex digits of the SHA-256 of the whole value (so two long values
 * that differ only at the end stay two series). Empty or missing becomes {@link UNKNOWN}.
 */
export function labelValue(raw: unknown): string {
  if (typeof raw !== "string") return UNKNOWN;
  // Runs for three labels of every event of every page: the usual value is returned as it is.
  if (raw.length <= MAX_LABEL_LENGTH && isPlainAscii(raw)) return raw;
  if (raw.trim() === "") return UNKNOWN;
  const clean = raw.replace(UNSAFE, "\uFFFD");
  if (clean.length <= MAX_LABEL_LENGTH) return clean;
  let cut = MAX_LABEL_LENGTH - HASH_CHARS - 1;
  // Never split a surrogate pair.
  const code = clean.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, HASH_CHARS);
  return `${clean.slice(0, cut)}~${hash}`;
}

/** True when `s` is printable ASCII with at least one character other than space. */
function isPlainAscii(s: string): boolean {
  let visible = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) return false;
    if (c !== 0x20) visible = true;
  }
  return visible;
}

/** Milliseconds since the epoch if `v` is a plausible time (a finite number within Date's range). */
export function timeMs(v: unknown): number | undefined {
  const n = typeof v === "string" && /^-?\d{1,16}$/.test(v) ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && Math.abs(n) <= 8.64e15 ? n : undefined;
}
