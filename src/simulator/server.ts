import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { type Fault, FaultPlan } from "./faults.js";
import { FeedLoad } from "./feed-load.js";
import { INFO_EVENT_TYPES } from "./catalog.js";
import { EventGenerator } from "./generator.js";
import type { SimEvent } from "./sim-event.js";
import { SimEventStore, type TimeFilter } from "./sim-store.js";
import { BadRequest, type CursorFault, type V1FeedOptions, v1FeedPage } from "./v1-feed.js";
import { EventLife, type RefreshMatch } from "./event-life.js";
import type { OpenProblemsBeforeFrom } from "./problem-query.js";
import { SimProblems } from "./problems.js";
import { isProblemsRoute, PROBLEMS_PATH, ProblemsEndpoints } from "./problems-http.js";
import { PushEndpoints } from "./push-endpoints.js";
import { type OpenEndTime, v2FeedPage } from "./v2-feed.js";
import { Prng } from "./prng.js";

/** Settings of a simulated environment; all have defaults. */
export interface SimulatorOptions {
  token?: string;
  environmentId?: string;
  seed?: number;
  clock?: () => number;
  paging?: V1FeedOptions["paging"];
  withIdField?: boolean;
  timeFilter?: TimeFilter;
  pageSize?: number;
  eventsPerMinute?: number;
  /**
   * Keep rendered feed pages, keyed by query string and store version, so that a benchmark
   * measures the client rather than the simulator's own serialisation. Memory grows with pages.
   */
  cachePages?: boolean;
  /** Answer pushes and ingests after this long, like a tenant reached over the internet. */
  pushLatencyMs?: number;
  /** How the v2 feed writes an open event's `endTime` (default `null`, as the spec says). */
  v2OpenEndTime?: OpenEndTime;
  /** Answer each feed page (v1 and v2 `GET`) after this long ({@link FeedLoad}). */
  feedLatencyMs?: number;
  /** Scopes the token has (default: all, see {@link ALL_SCOPES}); problems routes answer 403 without theirs. */
  tokenScopes?: readonly string[];
  /** Which resends refresh an open problem-opening event (default `payload`). */
  refreshMatch?: RefreshMatch;
  /** Whether a resend with `endTime` <= now ends the open event it matches (default false: unverified). */
  endTimeCloses?: boolean;
  /** Whether the problems list returns open problems that started before `from` (default `excluded`). */
  openProblemsBeforeFrom?: OpenProblemsBeforeFrom;
}

/** Every scope a default token has. */
export const ALL_SCOPES: readonly string[] = [
  "DataExport",
  "events.read",
  "events.ingest",
  "problems.read",
  "problems.write",
];

/** One request the simulator answered (or dropped), for tests that count API calls. */
export interface RequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number | "reset" | "hang";
  authorization: string | undefined;
}

const FEED_PATH = "/api/v1/events";
const V2_FEED_PATH = "/api/v2/events";
const INGEST_PATH = "/api/v2/events/ingest";

/**
 * A simulated Dynatrace environment served over real HTTP: the v1 events feed with both paging
 * forms and both time-filter readings, raw 64-bit ids, the v2 events feed over the same events
 * (`nextPageKey`, `pageSize`, `eventSelector=status(...)`), token auth with the error envelope, a
 * seeded event stream, and fault injection. It shares no code with the exporter.
 */
export class SimulatedDynatrace {
  readonly store: SimEventStore;
  readonly faults = new FaultPlan();
  readonly requests: RequestRecord[] = [];
  private readonly pushes: PushEndpoints;
  /** Ingested problem-opening events' lives: refreshes, timeouts, ends (with reasons). */
  readonly eventLife: EventLife;
  /** The problems model, derived from the store's events (the truth tests read). */
  readonly problems: SimProblems;
  private readonly problemsApi: ProblemsEndpoints;
  /** Scopes the token has; tests may change it while running. */
  tokenScopes: Set<string>;
  readonly generator: EventGenerator;
  readonly feed: V1FeedOptions;
  readonly environmentId: string;
  token: string;
  private readonly clock: () => number;
  private server: Server | undefined;
  private origin = "";
  /** Aborted by close(), so delayed answers do not hold the process open. */
  private readonly closing = new AbortController();
  private readonly pageCache: Map<string, string> | undefined;
  private readonly v2OpenEndTime: OpenEndTime;
  /** Delay (ms) before answering pushes and ingests; benchmarks change it while running. */
  pushLatencyMs: number;
  /** Feed requests' latency and in-flight high-water mark. */
  readonly feedLoad: FeedLoad;

  constructor(options: SimulatorOptions = {}) {
    this.token =
      options.token ??
      `dt0c01.${randomBytes(12).toString("hex").toUpperCase()}.${randomBytes(32).toString("hex").toUpperCase()}`;
    this.environmentId = options.environmentId ?? "sim00001";
    this.clock = options.clock ?? Date.now;
    this.store = new SimEventStore(options.timeFilter ?? "literal");
    this.feed = {
      pageSize: options.pageSize ?? 150,
      paging: options.paging ?? "cursor",
      withIdField: options.withIdField ?? true,
    };
    this.pageCache = options.cachePages ? new Map() : undefined;
    this.pushLatencyMs = options.pushLatencyMs ?? 0;
    this.feedLoad = new FeedLoad(options.feedLatencyMs);
    this.v2OpenEndTime = options.v2OpenEndTime ?? "null";
    this.generator = new EventGenerator(this.store, options.seed ?? 42, options.eventsPerMinute);
    this.eventLife = new EventLife(this.store);
    this.pushes = new PushEndpoints(
      this.store,
      this.eventLife,
      new Prng((options.seed ?? 42) ^ 0x5eed),
      this.clock,
      {
        refreshMatch: options.refreshMatch ?? "payload",
        endTimeCloses: options.endTimeCloses ?? false,
      },
    );
    this.problems = new SimProblems(this.store, this.eventLife, this.clock);
    this.problemsApi = new ProblemsEndpoints(this.problems, {
      openProblemsBeforeFrom: options.openProblemsBeforeFrom ?? "excluded",
    });
    this.tokenScopes = new Set(options.tokenScopes ?? ALL_SCOPES);
  }

  /** Starts serving; returns the SaaS-style base URL (`http://127.0.0.1:<port>`). */
  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    const addr = server.address() as AddressInfo;
    this.origin = `http://${host}:${addr.port}`;
    return this.origin;
  }

  /** Bodies of accepted v1 pushes, in arrival order. */
  get pushed(): Record<string, unknown>[] {
    return this.pushes.pushed;
  }

  /** Bodies of v2 ingests whose item status was OK, in arrival order. */
  get ingested(): Record<string, unknown>[] {
    return this.pushes.ingested;
  }

  /** The SaaS-style base URL. */
  get url(): string {
    return this.origin;
  }

  /** The Managed-style base URL (`.../e/<environment-id>`). */
  get managedUrl(): string {
    return `${this.origin}/e/${this.environmentId}`;
  }

  /** Stops serving, dropping hung and keep-alive connections. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.closing.abort();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  /** Invalidates the current token, as a revocation in the Dynatrace UI would. */
  revokeToken(): void {
    this.token = `revoked-${randomBytes(8).toString("hex")}`;
  }

  /** Adds an event; unspecified fields get plausible values. */
  addEvent(e: Partial<SimEvent> & { eventId: bigint; startTime: number }): SimEvent {
    const event: SimEvent = {
      endTime: -1,
      eventType: "CPU_SATURATED",
      severityLevel: "RESOURCE_CONTENTION",
      impactLevel: "INFRASTRUCTURE",
      entityId: "HOST-0000000000000001",
      entityName: "host-1",
      ...e,
    };
    this.store.add(event);
    return event;
  }

  /**
   * What a correct exporter should show: events per (type, severity, impact, status) that are
   * open, or closed with their end inside the window. Computed from the simulator's own store.
   */
  countsInWindow(windowMs: number): Map<string, number> {
    this.eventLife.sweep(this.clock());
    const cutoff = this.clock() - windowMs;
    const counts = new Map<string, number>();
    for (const e of this.store.all()) {
      const open = e.endTime === -1;
      if (!open && e.endTime < cutoff) continue;
      const key = [
        e.eventType,
        e.severityLevel ?? (INFO_EVENT_TYPES.has(e.eventType) ? "INFO" : "unknown"),
        e.impactLevel ?? "unknown",
        open ? "OPEN" : "CLOSED",
      ].join("/");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Arms a fault for the next `times` requests to the v1 or v2 feed, the v1 push, the v2 ingest,
   * or the Problems API (`problems`: list, get and close).
   */
  injectFault(
    fault: Fault,
    times = 1,
    target: "feed" | "feed-v2" | "push" | "ingest" | "problems" = "feed",
  ): void {
    const prefix = {
      feed: `GET ${FEED_PATH}`,
      "feed-v2": `GET ${V2_FEED_PATH}`,
      push: `POST ${FEED_PATH}`,
      ingest: `POST ${INGEST_PATH}`,
      problems: [`GET ${PROBLEMS_PATH}`, `POST ${PROBLEMS_PATH}`],
    }[target];
    this.faults.add(fault, times, prefix);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const record: RequestRecord = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      status: 0,
      authorization: req.headers.authorization,
    };
    this.requests.push(record);
    const managed = /^\/e\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (managed && managed[1] !== this.environmentId) {
      return this.error(res, record, 404, "Environment not found.");
    }
    const path = managed ? (managed[2] as string) : url.pathname;
    const known =
      (path === FEED_PATH && (req.method === "GET" || req.method === "POST")) ||
      (path === V2_FEED_PATH && req.method === "GET") ||
      (path === INGEST_PATH && req.method === "POST") ||
      isProblemsRoute(req.method ?? "GET", path);
    if (!known) {
      return this.error(res, record, 404, `No resource for ${req.method} ${path}.`);
    }
    const feed = req.method === "GET" && (path === FEED_PATH || path === V2_FEED_PATH);
    if (feed) await this.feedLoad.admit(res, this.closing.signal);
    const fault = this.faults.take(`${req.method} ${path}`);
    if (fault && (await this.applyFault(fault, req, res, record))) return;
    if (!this.authorized(req)) {
      const message = req.headers.authorization
        ? "Token Authentication failed"
        : "Missing authorization parameter.";
      return this.error(res, record, 401, message);
    }
    this.eventLife.sweep(this.clock());
    if (path.startsWith(PROBLEMS_PATH)) {
      const author = `API token ${this.token.split(".")[1] ?? "unknown"}`;
      const answer = await this.problemsApi.handle(
        req,
        path,
        url.searchParams,
        this.clock(),
        this.tokenScopes,
        author,
      );
      if (fault?.kind === "truncated" && answer.status === 200)
        return this.truncate(req, res, record, answer.body);
      record.status = answer.status;
      res.writeHead(
        answer.status,
        answer.body === "" ? {} : { "content-type": "application/json;charset=utf-8" },
      );
      res.end(answer.body);
      return;
    }
    if (req.method === "POST") {
      const answer = await this.pushes.handle(path === INGEST_PATH ? "ingest" : "push", req);
      if (this.pushLatencyMs > 0) {
        await delay(this.pushLatencyMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
      }
      record.status = answer.status;
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body);
      return;
    }
    let body: string;
    try {
      const cursorFault =
        fault?.kind === "repeat-cursor" ? "repeat" : fault?.kind === "endless-cursor" ? "endless" : undefined;
      body =
        path === V2_FEED_PATH
          ? v2FeedPage(this.store, url.searchParams, this.clock(), this.v2OpenEndTime)
          : this.feedPage(url, cursorFault);
    } catch (err) {
      if (err instanceof BadRequest) return this.error(res, record, 400, err.message);
      throw err;
    }
    if (fault?.kind === "truncated") return this.truncate(req, res, record, body);
    record.status = 200;
    res.writeHead(200, { "content-type": "application/json;charset=utf-8" });
    res.end(body);
  }

  /** Sends half of a 200 body announced at full length, then drops the connection. */
  private truncate(req: IncomingMessage, res: ServerResponse, record: RequestRecord, body: string): void {
    record.status = "reset";
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.write(body.slice(0, Math.floor(body.length / 2)));
    setImmediate(() => req.socket.destroy());
  }

  private feedPage(url: URL, cursorFault: CursorFault): string {
    if (!this.pageCache || cursorFault) {
      return v1FeedPage(this.store, url.searchParams, this.clock(), this.feed, cursorFault);
    }
    const key = `${this.store.version}${url.pathname}${url.search}`;
    let body = this.pageCache.get(key);
    if (body === undefined) {
      body = v1FeedPage(this.store, url.searchParams, this.clock(), this.feed);
      this.pageCache.set(key, body);
    }
    return body;
  }

  /** Applies a fault; true when it fully answered (or dropped) the request. */
  private async applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, record: RequestRecord) {
    switch (fault.kind) {
      case "status": {
        record.status = fault.status;
        const body =
          fault.body ??
          JSON.stringify({
            error: {
              code: fault.status,
              message: statusMessage(fault.status),
              constraintViolations: null,
            },
          });
        res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
        res.end(body);
        return true;
      }
      case "reset":
        record.status = "reset";
        req.socket.destroy();
        return true;
      case "hang":
        record.status = "hang";
        return true;
      case "malformed":
        record.status = 200;
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"totalEventCount": 3, "events": [{"eventId": 1,, }');
        return true;
      case "delay":
        await delay(fault.ms, undefined, { signal: this.closing.signal }).catch(() => undefined);
        return this.closing.signal.aborted;
      case "truncated":
      case "repeat-cursor":
      case "endless-cursor":
        return false;
    }
  }

  private authorized(req: IncomingMessage): boolean {
    const m = /^api-token\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    return m?.[1] === this.token;
  }

  private error(res: ServerResponse, record: RequestRecord, status: number, message: string): void {
    record.status = status;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: status, message, constraintViolations: null } }));
  }
}

function statusMessage(status: number): string {
  if (status === 429) return "Too many requests.";
  if (status >= 500) return "Internal server error.";
  return "Request failed.";
}
