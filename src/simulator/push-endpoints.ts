import type { IncomingMessage } from "node:http";
import { type EventLife, type RefreshMatch, refreshKey } from "./event-life.js";
import type { Prng } from "./prng.js";
import type { SimEvent } from "./sim-event.js";
import type { SimEventStore } from "./sim-store.js";
import { acceptV1Push, PushRejected } from "./v1-push.js";
import { acceptV2Ingest } from "./v2-ingest.js";

/** How resends of problem-opening events behave (see docs/simulator.md). */
export interface EventLifeOptions {
  /** Which resends refresh an open event (default `payload`). */
  refreshMatch: RefreshMatch;
  /** Whether a resend with `endTime` <= now ends the open event it matches (default false). */
  endTimeCloses: boolean;
}

/** An answer to write: status and raw JSON text (64-bit ids stay bare numbers). */
export interface PushAnswer {
  status: number;
  body: string;
}

/**
 * The simulated environment's write side: `POST /api/v1/events` (200 with raw `storedEventIds`)
 * and `POST /api/v2/events/ingest` (201 with per-item status). Accepted events join the feed.
 */
export class PushEndpoints {
  /** Bodies of accepted v1 pushes, in arrival order. */
  readonly pushed: Record<string, unknown>[] = [];
  /** Bodies of v2 ingests whose item status was OK, in arrival order. */
  readonly ingested: Record<string, unknown>[] = [];

  constructor(
    private readonly store: SimEventStore,
    private readonly life: EventLife,
    private readonly ids: Prng,
    private readonly clock: () => number,
    readonly options: EventLifeOptions,
  ) {}

  /** Reads, validates and stores one push or ingest request. */
  async handle(kind: "push" | "ingest", req: IncomingMessage): Promise<PushAnswer> {
    try {
      const body = await readJson(req);
      return kind === "push" ? this.push(body) : this.ingest(body);
    } catch (err) {
      if (!(err instanceof PushRejected)) throw err;
      const violation = {
        path: err.path,
        message: err.message,
        parameterLocation: "PAYLOAD_BODY",
        location: null,
      };
      return {
        status: 400,
        body: JSON.stringify({
          error: { code: 400, message: err.message, constraintViolations: [violation] },
        }),
      };
    }
  }

  private push(body: unknown): PushAnswer {
    const result = acceptV1Push(body, this.clock(), this.ids);
    const event = this.accept(result, "v1", body as Record<string, unknown>);
    this.pushed.push(body as Record<string, unknown>);
    const id = event.eventId.toString();
    return {
      status: 200,
      body: `{"storedEventIds":[${id}],"storedIds":["${id}_${event.startTime}"],"storedCorrelationIds":[]}`,
    };
  }

  private ingest(body: unknown): PushAnswer {
    const result = acceptV2Ingest(body, this.clock(), this.ids);
    let correlationId: string | null = null;
    if ("event" in result) {
      const event = this.accept(result, "v2", body as Record<string, unknown>);
      this.ingested.push(body as Record<string, unknown>);
      correlationId = event.correlationId ?? null;
    }
    return {
      status: 201,
      body: JSON.stringify({
        reportCount: 1,
        eventIngestResults: [{ correlationId, status: result.status }],
      }),
    };
  }

  /**
   * Stores a new event, or, for a problem-opening one whose payload matches an open event,
   * refreshes (or with `endTimeCloses`, ends) that event instead. Returns the event answered for.
   */
  private accept(
    result: { event: SimEvent; timeoutMs?: number; endTime?: number },
    api: "v1" | "v2",
    body: Record<string, unknown>,
  ): SimEvent {
    const now = this.clock();
    if (result.timeoutMs === undefined) {
      this.store.add(result.event);
      return result.event;
    }
    this.life.sweep(now);
    const key = refreshKey(api, body, this.options.refreshMatch);
    const open = this.life.findOpen(key);
    if (open) {
      if (this.options.endTimeCloses && result.endTime !== undefined && result.endTime <= now) {
        this.life.end(open.event.eventId, Math.max(result.endTime, open.event.startTime), "END_TIME");
      } else {
        this.life.refresh(open, now, result.timeoutMs);
      }
      return open.event;
    }
    this.store.add(result.event);
    const byEndTime = result.endTime !== undefined;
    this.life.track(result.event, key, result.endTime ?? now + result.timeoutMs, now, byEndTime);
    return result.event;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new PushRejected("Could not parse the request body as JSON.", "body");
  }
}
