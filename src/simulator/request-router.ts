import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { EventLife } from "./event-life.js";
import { respondToFault, sendError, sendTruncated } from "./fault-responder.js";
import type { Fault, FaultPlan } from "./faults.js";
import type { FeedEndpoints } from "./feed-endpoints.js";
import type { FeedLoad } from "./feed-load.js";
import { isProblemsRoute, PROBLEMS_PATH, type ProblemsEndpoints } from "./problems-http.js";
import type { PushEndpoints } from "./push-endpoints.js";
import { FEED_PATH, INGEST_PATH, type RequestRecord, V2_FEED_PATH } from "./sim-options.js";
import { BadRequest } from "./v1-feed.js";

/** What the router reads from the front on every request (tests change these while running). */
export interface FrontState {
  readonly environmentId: string;
  readonly token: string;
  readonly tokenScopes: ReadonlySet<string>;
  readonly pushLatencyMs: number;
  readonly requests: RequestRecord[];
  readonly faults: FaultPlan;
  readonly feedLoad: FeedLoad;
}

/** The endpoint groups the router dispatches to. */
export interface Endpoints {
  feeds: FeedEndpoints;
  pushes: PushEndpoints;
  problems: ProblemsEndpoints;
  life: EventLife;
}

interface Route {
  path: string;
  url: URL;
  fault: Fault | undefined;
}

/**
 * Answers one request: records it, resolves the Managed-style prefix and the route (404 for
 * anything else), applies an armed fault, checks the token (401), ends timed-out events at the
 * clock's now, then dispatches to the feeds, push/ingest or the Problems API.
 */
export class RequestRouter {
  constructor(
    private readonly front: FrontState,
    private readonly endpoints: Endpoints,
    private readonly clock: () => number,
    private readonly closing: AbortSignal,
  ) {}

  /** Handles one request to completion (or drops it, as a fault says). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const method = req.method ?? "GET";
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: url.searchParams,
      status: 0,
      authorization: req.headers.authorization,
    };
    this.front.requests.push(record);
    const managed = /^\/e\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (managed && managed[1] !== this.front.environmentId) {
      return sendError(res, record, 404, "Environment not found.");
    }
    const path = managed ? (managed[2] as string) : url.pathname;
    const known =
      (path === FEED_PATH && (method === "GET" || method === "POST")) ||
      (path === V2_FEED_PATH && method === "GET") ||
      (path === INGEST_PATH && method === "POST") ||
      isProblemsRoute(method, path);
    if (!known) return sendError(res, record, 404, `No resource for ${method} ${path}.`);
    const feed = method === "GET" && (path === FEED_PATH || path === V2_FEED_PATH);
    if (feed) await this.front.feedLoad.admit(res, this.closing);
    const fault = this.front.faults.take(`${method} ${path}`);
    if (fault && (await respondToFault(fault, req, res, record, this.closing))) return;
    const m = /^api-token\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (m?.[1] !== this.front.token) {
      const message = req.headers.authorization
        ? "Token Authentication failed"
        : "Missing authorization parameter.";
      return sendError(res, record, 401, message);
    }
    this.endpoints.life.sweep(this.clock());
    await this.serve(req, res, record, { path, url, fault });
  }

  private async serve(req: IncomingMessage, res: ServerResponse, record: RequestRecord, route: Route) {
    const { path, url, fault } = route;
    let answer: { status: number; body: string };
    if (path.startsWith(PROBLEMS_PATH)) {
      const author = `API token ${this.front.token.split(".")[1] ?? "unknown"}`;
      const { tokenScopes } = this.front;
      answer = await this.endpoints.problems.handle(
        req,
        path,
        url.searchParams,
        this.clock(),
        tokenScopes,
        author,
      );
    } else if (req.method === "POST") {
      answer = await this.endpoints.pushes.handle(path === INGEST_PATH ? "ingest" : "push", req);
      if (this.front.pushLatencyMs > 0) {
        await delay(this.front.pushLatencyMs, undefined, { signal: this.closing }).catch(() => undefined);
      }
    } else {
      const cursorFault =
        fault?.kind === "repeat-cursor" ? "repeat" : fault?.kind === "endless-cursor" ? "endless" : undefined;
      try {
        answer = { status: 200, body: this.endpoints.feeds.page(path, url, cursorFault) };
      } catch (err) {
        if (err instanceof BadRequest) return sendError(res, record, 400, err.message);
        throw err;
      }
    }
    if (fault?.kind === "truncated" && answer.status === 200)
      return sendTruncated(req, res, record, answer.body);
    record.status = answer.status;
    res.writeHead(
      answer.status,
      answer.body === "" ? {} : { "content-type": "application/json;charset=utf-8" },
    );
    res.end(answer.body);
  }
}
