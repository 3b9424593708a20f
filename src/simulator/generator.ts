import { ENTITY_PREFIX, EVENT_KINDS } from "./catalog.js";
import { Prng } from "./prng.js";
import type { SimEvent } from "./sim-event.js";
import type { SimEventStore } from "./sim-store.js";

/**
 * Produces a realistic, seeded stream of events into a {@link SimEventStore}: a history spread over
 * a past span, then new events and closures as simulated time advances.
 */
export class EventGenerator {
  private readonly prng: Prng;
  private readonly plannedEnds = new Map<bigint, number>();
  private readonly hosts: string[];
  private lastAdvance: number | undefined;

  constructor(
    private readonly store: SimEventStore,
    seed: number,
    /** Mean new events per minute while time advances. */
    private readonly eventsPerMinute = 20,
  ) {
    this.prng = new Prng(seed);
    this.hosts = Array.from({ length: 40 }, () => this.prng.hex(16));
  }

  /** Fills [until - spanMs, until] with about `count` events; those planned to end later stay open. */
  history(count: number, spanMs: number, until: number): void {
    for (let i = 0; i < count; i++) {
      const start = until - Math.floor(this.prng.next() * spanMs);
      this.emit(start, until);
    }
    this.lastAdvance = until;
  }

  /** Moves simulated time to `now`: new events arrive at the configured rate; due events close. */
  advanceTo(now: number): void {
    const from = this.lastAdvance ?? now;
    const meanGap = 60_000 / this.eventsPerMinute;
    for (let t = from + this.prng.exponential(meanGap); t <= now; t += this.prng.exponential(meanGap)) {
      this.emit(Math.floor(t), now);
    }
    for (const [id, end] of this.plannedEnds) {
      if (end <= now) {
        this.store.close(id, end);
        this.plannedEnds.delete(id);
      }
    }
    this.lastAdvance = now;
  }

  /** Closes an open event when simulated time reaches `at`. */
  scheduleClose(id: bigint, at: number): void {
    this.plannedEnds.set(id, at);
  }

  private emit(start: number, now: number): SimEvent {
    const kind = this.prng.weighted(EVENT_KINDS);
    const host = this.hosts[this.prng.int(this.hosts.length)] as string;
    const prefix = ENTITY_PREFIX[kind.impactLevel] ?? "HOST";
    const duration =
      kind.meanOpenMinutes === 0 ? 0 : Math.ceil(this.prng.exponential(kind.meanOpenMinutes * 60_000));
    const plannedEnd = start + duration;
    const event: SimEvent = {
      eventId: this.prng.int64(),
      startTime: start,
      endTime: plannedEnd <= now ? plannedEnd : -1,
      eventType: kind.eventType,
      severityLevel: kind.severityLevel,
      impactLevel: kind.impactLevel,
      entityId: `${prefix}-${host}`,
      entityName: `${prefix.toLowerCase()}-${host.slice(0, 6).toLowerCase()}`,
    };
    this.store.add(event);
    if (event.endTime === -1) this.plannedEnds.set(event.eventId, plannedEnd);
    return event;
  }
}
