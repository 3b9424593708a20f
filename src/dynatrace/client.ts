import { setTimeout as delay } from "node:timers/promises";
import type { Dispatcher } from "undici";
import type { DynatraceAddress } from "../config/url.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, parseServerWait } from "./backoff.js";
import {
  BodyTooLargeError,
  boundedRequest,
  ExchangeFailed,
  MAX_PAGE_BYTES,
  MAX_PUSH_ANSWER_BYTES,
} from "./bounded-request.js";
import {
  createDispatcher,
  type DispatcherLease,
  proxySecrets,
  type SharedDispatchers,
} from "./dispatcher.js";
import {
  DynatraceError,
  DynatraceHttpError,
  DynatraceNetworkError,
  DynatraceProtocolError,
} from "./errors.js";
import { parseJsonExactIds } from "./exact-json.js";
import { classifyNetworkError } from "./network-cause.js";
import type { ReadGate } from "./read-gate.js";
import { apiErrorMessage, cleanUpstreamText } from "./redact.js";
import { TokenSource } from "./token-source.js";

/** Called once per HTTP attempt with the endpoint name and the status code (or failure kind). */
export type ResponseObserver = (endpoint: string, code: string) => void;

/** What a {@link DynatraceClient} needs; everything but address, token and timeout has a default. */
export interface ClientOptions {
  address: DynatraceAddress;
  /** A fixed token, or a {@link TokenSource} asked before every request (token files). */
  token: string | TokenSource;
  /**
   * HTTP_TIMEOUT: the longest wait for headers and between body chunks. The whole attempt
   * (queueing for a connection, connect, headers, whole body) has twice this as its deadline.
   */
  timeoutMs: number;
  userAgent: string;
  backoff?: BackoffPolicy;
  /** Longest server-requested wait honoured inside one call; a longer one fails the call at once. */
  maxServerWaitMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  onResponse?: ResponseObserver;
  /** Proxy URL this environment is reached through (already chosen with NO_PROXY). */
  proxy?: string | undefined;
  /** Extra PEM CA certificates for the tenant's TLS. */
  ca?: string | undefined;
  /** Keep-alive connections to the environment (default 4); requests beyond them queue. */
  connections?: number;
  /** Largest 2xx body read, for GETs (feed pages) and POSTs (push answers). */
  maxBodyBytes?: { read?: number; push?: number };
  /** Bounds the GETs in flight at once and adapts the bound to 429s (FEED_READ_CONCURRENCY). */
  readGate?: ReadGate;
  /** Borrow the dispatcher from here (shared with environments of the same origin) instead of owning one. */
  dispatchers?: SharedDispatchers;
}

interface HttpCall {
  method: "GET" | "POST";
  endpoint: string;
  /** Path relative to the environment, for messages. */
  path: string;
  /** Path with the environment's base path and query, for the request. */
  fullPath: string;
  body?: string;
  parse: (text: string) => unknown;
}

/**
 * HTTP client for one Dynatrace environment: keep-alive connection pool (through the proxy when
 * there is one), current token header, exact 64-bit ids, and retries with backoff for 429, 5xx
 * and network errors. Every attempt is bounded: a deadline over the whole request, a body cap,
 * server waits capped at one hour. Error text from upstream is redacted and cut before it is
 * kept. It knows nothing of Prometheus or express; callers observe requests through `onResponse`.
 */
export class DynatraceClient {
  private readonly dispatcher: Dispatcher;
  private readonly lease: DispatcherLease | undefined;
  private readonly tokens: TokenSource;
  private readonly backoff: BackoffPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly maxServerWaitMs: number;
  private readonly deadlineMs: number;

  constructor(private readonly options: ClientOptions) {
    const reach = { proxy: options.proxy, ca: options.ca };
    this.lease = options.dispatchers?.acquire(options.address.origin, reach);
    this.dispatcher =
      this.lease?.dispatcher ??
      createDispatcher(options.address.origin, { connections: options.connections ?? 4, ...reach });
    this.tokens =
      typeof options.token === "string" ? new TokenSource({ token: options.token }) : options.token;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.now = options.now ?? Date.now;
    this.maxServerWaitMs = options.maxServerWaitMs ?? 60_000;
    // Twice the phase timeout: time queued for a connection and a slow connect count, yet a server
    // that trickles bytes (each gap within the phase timeout) is still cut off.
    this.deadlineMs = 2 * options.timeoutMs;
  }

  /**
   * GETs `path` (relative to the environment, e.g. `/api/v1/events`) and returns the parsed body,
   * retrying what can succeed on retry. Throws a {@link DynatraceError} subclass otherwise.
   * `parse` turns the body text into a value (default: JSON with exact 64-bit ids).
   */
  async getJson(
    endpoint: string,
    path: string,
    query: URLSearchParams,
    signal?: AbortSignal,
    parse: (text: string) => unknown = parseJsonExactIds,
  ): Promise<unknown> {
    const qs = query.toString();
    const fullPath = `${this.options.address.basePath}${path}${qs ? `?${qs}` : ""}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt({ method: "GET", endpoint, path, fullPath, parse }, signal);
      } catch (err) {
        const wait = this.retryWait(err, attempt, signal);
        if (wait === undefined) throw err;
        await this.sleep(wait, signal).catch(() => {
          throw new DynatraceNetworkError("aborted", path, signal?.reason);
        });
      }
    }
  }

  /**
   * POSTs a JSON body once and returns the parsed answer. No retry here: pushes are not idempotent,
   * so retrying is the relay outbox's decision. An answer that is not JSON (a proxy's or captive
   * portal's page) throws a retryable {@link DynatraceProtocolError}: it is no proof of delivery.
   * `parse` turns the body text into a value (default: JSON with exact 64-bit ids).
   */
  async postJson(
    endpoint: string,
    path: string,
    body: string,
    signal?: AbortSignal,
    parse: (text: string) => unknown = parseJsonExactIds,
  ): Promise<unknown> {
    const fullPath = `${this.options.address.basePath}${path}`;
    return this.attempt({ method: "POST", endpoint, path, fullPath, body, parse }, signal);
  }

  /** Checks the token file now (on reload), whatever the interval since the last check. */
  refreshToken(): void {
    this.tokens.refresh();
  }

  /**
   * Closes the connection pool (in-flight requests are aborted), or gives a shared one back: it
   * closes with its last user.
   */
  async close(): Promise<void> {
    if (this.lease) await this.lease.release();
    else await this.dispatcher.destroy();
  }

  private retryWait(err: unknown, attempt: number, signal?: AbortSignal): number | undefined {
    if (!(err instanceof DynatraceError) || !err.retryable || signal?.aborted) return undefined;
    if (attempt >= this.backoff.maxAttempts) return undefined;
    const ours = backoffDelay(this.backoff, attempt);
    const theirs = err instanceof DynatraceHttpError ? err.retryAfterMs : undefined;
    if (theirs !== undefined && theirs > this.maxServerWaitMs) return undefined;
    return Math.max(ours, theirs ?? 0);
  }

  private async attempt(req: HttpCall, signal?: AbortSignal): Promise<unknown> {
    const gate = req.method === "GET" ? this.options.readGate : undefined;
    if (gate === undefined) return this.exchange(req, signal);
    const ticket = await gate.acquire(signal).catch((err: unknown) => {
      throw new DynatraceNetworkError("aborted", req.path, err);
    });
    try {
      const body = await this.exchange(req, signal);
      gate.succeeded();
      return body;
    } catch (err) {
      if (err instanceof DynatraceHttpError && err.status === 429) gate.throttled(ticket);
      throw err;
    } finally {
      gate.release();
    }
  }

  private async exchange(req: HttpCall, signal?: AbortSignal): Promise<unknown> {
    const isPost = req.method === "POST";
    const limit = isPost
      ? (this.options.maxBodyBytes?.push ?? MAX_PUSH_ANSWER_BYTES)
      : (this.options.maxBodyBytes?.read ?? MAX_PAGE_BYTES);
    const { statusCode, headers, body } = await boundedRequest(this.dispatcher, {
      origin: this.options.address.origin,
      method: req.method,
      path: req.fullPath,
      body: req.body,
      headers: {
        authorization: `Api-Token ${this.tokens.current()}`,
        accept: "application/json",
        "user-agent": this.options.userAgent,
        ...(req.body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
      },
      timeoutMs: this.options.timeoutMs,
      deadlineMs: this.deadlineMs,
      limit,
      signal,
    }).catch((err: unknown) => {
      throw this.failure(req, err, signal);
    });
    this.options.onResponse?.(req.endpoint, String(statusCode));
    const text = body.toString("utf8");
    if (statusCode < 200 || statusCode >= 300) {
      if (statusCode === 401 || statusCode === 403) this.tokens.invalidate();
      const wait = parseServerWait(headers, this.now());
      throw new DynatraceHttpError(
        statusCode,
        req.path,
        apiErrorMessage(text, this.secrets()),
        wait?.ms,
        wait?.capped,
      );
    }
    try {
      return req.parse(text);
    } catch (err) {
      if (err instanceof DynatraceError) throw err;
      throw new DynatraceProtocolError(
        "malformed_response",
        `response from ${req.path} is not valid JSON (${body.length} bytes)`,
        { retryable: isPost },
      );
    }
  }

  private failure(req: HttpCall, err: unknown, signal: AbortSignal | undefined): DynatraceError {
    if (err instanceof BodyTooLargeError) {
      this.options.onResponse?.(req.endpoint, "response_too_large");
      return new DynatraceProtocolError(
        "response_too_large",
        `response from ${req.path} is larger than ${err.limit} bytes; not read further`,
        { retryable: req.method === "POST" },
      );
    }
    const failed = err instanceof ExchangeFailed ? err : new ExchangeFailed(err, false);
    const cause = classifyNetworkError(failed.cause, {
      callerAborted: signal?.aborted ?? false,
      deadlineMs: failed.deadlineHit ? this.deadlineMs : undefined,
      proxied: this.options.proxy !== undefined,
    });
    this.options.onResponse?.(req.endpoint, cause.reason === "timeout" ? "timeout" : "network_error");
    return new DynatraceNetworkError(
      cause.reason,
      req.path,
      failed.cause,
      cleanUpstreamText(cause.code, this.secrets(), 80),
    );
  }

  private secrets(): string[] {
    return [...this.tokens.known(), ...proxySecrets(this.options.proxy)];
  }
}
