import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventLife } from "./event-life.js";
import { type Fault, FaultPlan } from "./faults.js";
import { FeedLoad } from "./feed-load.js";
import { FeedEndpoints } from "./feed-endpoints.js";
import { EventGenerator } from "./generator.js";
import { type DistinctTypesOptions, distinctTypeEvents } from "./distinct-types.js";
import { SimOracle } from "./oracle.js";
import { SimProblems } from "./problems.js";
import { PROBLEMS_PATH, ProblemsEndpoints } from "./problems-http.js";
import { Prng } from "./prng.js";
import { PushEndpoints } from "./push-endpoints.js";
import { RequestRouter } from "./request-router.js";
import type { SimEvent } from "./sim-event.js";
import {
  ALL_SCOPES,
  FEED_PATH,
  INGEST_PATH,
  type RequestRecord,
  type SimulatorOptions,
  V2_FEED_PATH,
} from "./sim-options.js";
import { SimEventStore } from "./sim-store.js";
import type { V1FeedOptions } from "./v1-feed.js";

export { ALL_SCOPES, type RequestRecord, type SimulatorOptions } from "./sim-options.js";

/**
 * A simulated Dynatrace environment served over real HTTP: the v1 and v2 events feeds, v1 push
 * and v2 ingest, the Problems API v2 over one problems model, token auth with the error envelope
 * and scopes, a seeded event stream, and fault injection. This class is the HTTP front; what tests
 * read as truth is {@link oracle}. It shares no code with the exporter.
 */
export class SimulatedDynatrace {
  readonly store: SimEventStore;
  readonly faults = new FaultPlan();
  readonly requests: RequestRecord[] = [];
  readonly generator: EventGenerator;
  readonly feed: V1FeedOptions;
  readonly environmentId: string;
  /** Ingested problem-opening events' lives: refreshes, timeouts, ends (with reasons). */
  readonly eventLife: EventLife;
  /** The problems model, derived from the store's events. */
  readonly problems: SimProblems;
  /** The truth tests compare the exporter with (events and problems in a window, durations). */
  readonly oracle: SimOracle;
  /** Scopes the token has; tests may change it while running. */
  tokenScopes: Set<string>;
  token: string;
  /** Delay (ms) before answering pushes and ingests; benchmarks change it while running. */
  pushLatencyMs: number;
  /** Feed requests' latency and in-flight high-water mark. */
  readonly feedLoad: FeedLoad;
  private readonly clock: () => number;
  private readonly pushes: PushEndpoints;
  private readonly router: RequestRouter;
  private server: Server | undefined;
  private origin = "";
  /** Aborted by close(), so delayed answers do not hold the process open. */
  private readonly closing = new AbortController();

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
    this.pushLatencyMs = options.pushLatencyMs ?? 0;
    this.feedLoad = new FeedLoad(options.feedLatencyMs);
    this.tokenScopes = new Set(options.tokenScopes ?? ALL_SCOPES);
    this.generator = new EventGenerator(this.store, options.seed ?? 42, options.eventsPerMinute);
    this.eventLife = new EventLife(this.store);
    const lifeOptions = {
      refreshMatch: options.refreshMatch ?? "payload",
      endTimeCloses: options.endTimeCloses ?? false,
    };
    const ids = new Prng((options.seed ?? 42) ^ 0x5eed);
    this.pushes = new PushEndpoints(this.store, this.eventLife, ids, this.clock, lifeOptions);
    const openEnd = options.v2OpenEndTime ?? "null";
    const feeds = new FeedEndpoints(this.store, this.feed, openEnd, this.clock, options.cachePages ?? false);
    this.problems = new SimProblems(this.store, this.eventLife, this.clock);
    const openProblemsBeforeFrom = options.openProblemsBeforeFrom ?? "excluded";
    const problems = new ProblemsEndpoints(this.problems, {
      openProblemsBeforeFrom,
      listDelayMs: options.problemListDelayMs ?? 0,
    });
    this.oracle = new SimOracle(this.store, this.problems, this.eventLife, this.clock);
    const endpoints = { feeds, pushes: this.pushes, problems, life: this.eventLife };
    this.router = new RequestRouter(this, endpoints, this.clock, this.closing.signal);
  }

  /** Starts serving; returns the SaaS-style base URL (`http://127.0.0.1:<port>`). */
  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => void this.router.handle(req, res));
    this.server = server;
    // A taken port rejects here (the caller says which) instead of an unhandled 'error' event.
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    this.origin = `http://${host}:${addr.port}`;
    return this.origin;
  }

  /** Bodies of accepted v1 pushes (refreshing resends included), in arrival order. */
  get pushed(): Record<string, unknown>[] {
    return this.pushes.pushed;
  }

  /** Bodies of v2 ingests whose item status was OK (refreshing resends included), in arrival order. */
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
   * Adds `count` events of `count` distinct generated types (`CUSTOM_GEN_00001`, ...), served by
   * both feeds, for series-cap tests. Uses its own id sequence: the seeded stream is untouched.
   */
  addDistinctTypeEvents(count: number, options: DistinctTypesOptions = {}): SimEvent[] {
    const events = distinctTypeEvents(count, { startTime: this.clock(), ...options });
    for (const e of events) this.store.add(e);
    return events;
  }

  /** Events per `type/severity/impact/status` open or ended within the window: {@link SimOracle.countsInWindow}. */
  countsInWindow(windowMs: number): Map<string, number> {
    return this.oracle.countsInWindow(windowMs);
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
}
