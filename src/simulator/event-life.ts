import { createHash } from "node:crypto";
import type { SimEvent } from "./sim-event.js";
import type { SimEventStore } from "./sim-store.js";

/**
 * Which payloads count as "the same payload again" (the docs leave it unclear): `payload` compares
 * the whole body except its timestamps and timeout; `title` only event type, title and target
 * (v2 `entitySelector`, v1 `attachRules`).
 */
export type RefreshMatch = "payload" | "title";

/** How an ingested problem-opening event ended. */
export type EndReason = "TIMED_OUT" | "END_TIME" | "PROBLEM_CLOSED";

/** The life of one ingested problem-opening event, for tests to read. */
export interface EventLifeRecord {
  event: SimEvent;
  /** When it was first sent or last refreshed (simulated clock). */
  lastRefresh: number;
  /** When it ends unless refreshed again. */
  closeAt: number;
  /** Resends that refreshed it. */
  refreshes: number;
  /** Whether `closeAt` came from the body's `endTime` rather than the timeout. */
  byEndTime: boolean;
  /** Set once it ended. */
  ended?: { at: number; reason: EndReason };
}

const TIME_KEYS: Record<"v1" | "v2", readonly string[]> = {
  v1: ["start", "end", "timeoutMinutes"],
  v2: ["startTime", "endTime", "timeout"],
};

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The key under which two bodies are "the same payload" for `mode`. */
export function refreshKey(api: "v1" | "v2", body: Record<string, unknown>, mode: RefreshMatch): string {
  let subject: unknown;
  if (mode === "title") {
    subject = [api, body.eventType, body.title, api === "v1" ? body.attachRules : body.entitySelector];
  } else {
    const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !TIME_KEYS[api].includes(k)));
    subject = [api, rest];
  }
  return createHash("sha1").update(canonical(subject)).digest("hex");
}

/**
 * Keeps ingested (and v1-pushed) problem-opening events open until `closeAt`, refreshes them on a
 * matching resend, and ends them lazily: {@link sweep} closes every event whose time has come, at
 * its `closeAt`, so a jump of a manual clock takes effect at the next read.
 */
export class EventLife {
  private readonly live = new Map<bigint, EventLifeRecord & { key: string }>();
  private readonly byKey = new Map<string, bigint>();
  /** Every tracked event, ended or not, in the order they were first sent. */
  readonly records: EventLifeRecord[] = [];
  private earliest = Number.POSITIVE_INFINITY;

  constructor(private readonly store: SimEventStore) {}

  /** Starts tracking a stored open event. */
  track(event: SimEvent, key: string, closeAt: number, now: number, byEndTime = false): void {
    const record = { event, key, lastRefresh: now, closeAt, refreshes: 0, byEndTime };
    this.live.set(event.eventId, record);
    this.byKey.set(key, event.eventId);
    this.records.push(record);
    this.earliest = Math.min(this.earliest, closeAt);
  }

  /** The open event a resend with this key refreshes, if any. */
  findOpen(key: string): EventLifeRecord | undefined {
    const id = this.byKey.get(key);
    return id === undefined ? undefined : this.live.get(id);
  }

  /** Keeps an open event open until `now + timeoutMs`. */
  refresh(record: EventLifeRecord, now: number, timeoutMs: number): void {
    record.lastRefresh = now;
    record.closeAt = now + timeoutMs;
    record.refreshes++;
    record.byEndTime = false;
  }

  /** Ends an open tracked event (or any open event in the store) at `at`. */
  end(eventId: bigint, at: number, reason: EndReason): void {
    const record = this.live.get(eventId);
    if (record) {
      this.live.delete(eventId);
      if (this.byKey.get(record.key) === eventId) this.byKey.delete(record.key);
      record.ended = { at, reason };
    }
    this.store.close(eventId, at);
  }

  /** Ends every event whose `closeAt` is at or before `now`, at its `closeAt`. */
  sweep(now: number): void {
    if (now < this.earliest) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [id, record] of this.live) {
      if (record.closeAt <= now) {
        const reason = record.byEndTime ? "END_TIME" : "TIMED_OUT";
        this.end(id, Math.max(record.closeAt, record.event.startTime), reason);
      } else earliest = Math.min(earliest, record.closeAt);
    }
    this.earliest = earliest;
  }
}
