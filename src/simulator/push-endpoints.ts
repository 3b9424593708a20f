import type { IncomingMessage } from "node:http";
import type { EventGenerator } from "./generator.js";
import type { Prng } from "./prng.js";
import type { SimEventStore } from "./sim-store.js";
import { acceptV1Push, PushRejected } from "./v1-push.js";
import { acceptV2Ingest } from "./v2-ingest.js";

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
    private readonly generator: EventGenerator,
    private readonly ids: Prng,
    private readonly clock: () => number,
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
    const { event, closeAt } = acceptV1Push(body, this.clock(), this.ids);
    this.store.add(event);
    if (closeAt !== undefined) this.generator.scheduleClose(event.eventId, closeAt);
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
      this.store.add(result.event);
      if (result.closeAt !== undefined) this.generator.scheduleClose(result.event.eventId, result.closeAt);
      this.ingested.push(body as Record<string, unknown>);
      correlationId = BigInt.asUintN(64, result.event.eventId).toString(16).padStart(16, "0");
    }
    return {
      status: 201,
      body: JSON.stringify({
        reportCount: 1,
        eventIngestResults: [{ correlationId, status: result.status }],
      }),
    };
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
