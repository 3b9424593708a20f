import { parseDuration } from "../config/duration.js";
import { DeadLetterFilterError } from "./outbox-errors.js";

/** Which dead letters an action applies to; every field narrows, none means all of them. */
export interface DeadLetterFilter {
  environment?: string;
  /** Only those that failed at or after this time (epoch ms). */
  since?: number;
  id?: number;
}

/** A filter as typed by a person: CLI flags, query parameters or a JSON body. */
export interface RawDeadLetterFilter {
  environment?: unknown;
  since?: unknown;
  id?: unknown;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Validates a filter. `since` is a duration back from `now` (`2h`, `30m`, `90`) or an ISO time
 * (`2026-11-26T10:00:00Z`); `id` a positive whole number. Throws {@link DeadLetterFilterError}
 * naming the field at fault.
 */
export function parseDeadLetterFilter(raw: RawDeadLetterFilter, now: number): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  if (raw.environment !== undefined && raw.environment !== "") {
    if (typeof raw.environment !== "string" || raw.environment.length > 128) {
      throw new DeadLetterFilterError("environment must be an environment name");
    }
    filter.environment = raw.environment;
  }
  if (raw.since !== undefined && raw.since !== "") filter.since = parseSince(raw.since, now);
  if (raw.id !== undefined && raw.id !== "") {
    const text = typeof raw.id === "number" || typeof raw.id === "string" ? String(raw.id) : "?";
    if (!/^\d{1,15}$/.test(text) || Number(text) < 1) {
      throw new DeadLetterFilterError(`id must be a positive whole number, not "${text.slice(0, 40)}"`);
    }
    filter.id = Number(text);
  }
  return filter;
}

function parseSince(value: unknown, now: number): number {
  const text = typeof value === "string" || typeof value === "number" ? String(value).trim() : "?";
  const ms = parseDuration(text);
  if (ms !== undefined) return now - ms;
  if (ISO_TIME.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  }
  throw new DeadLetterFilterError(
    `since must be a duration (e.g. 2h, 30m) or an ISO time (e.g. 2026-11-26T10:00:00Z), not "${text.slice(0, 40)}"`,
  );
}

/** True when the filter narrows anything: purge refuses an empty one unless told "all". */
export function isNarrowing(filter: DeadLetterFilter): boolean {
  return filter.environment !== undefined || filter.since !== undefined || filter.id !== undefined;
}
