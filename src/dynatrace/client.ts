import { setTimeout as delay } from "node:timers/promises";
import { Pool } from "undici";
import type { DynatraceAddress } from "../config/url.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, serverRetryDelay } from "./backoff.js";
import {
  DynatraceError,
  DynatraceHttpError,
  DynatraceNetworkError,
  DynatraceProtocolError,
} from "./errors.js";
import { parseJsonExactIds } from "./exact-json.js";

/** Called once per HTTP attempt with the endpoint name and the status code (or failure kind). */
export type ResponseObserver = (endpoint: string, code: string) => void;

/** What a {@link DynatraceClient} needs; everything but address, token and timeout has a default. */
export interface ClientOptions {
  address: DynatraceAddress;
  token: string;
  timeoutMs: number;
  userAgent: string;
  backoff?: BackoffPolicy;
  /** Longest server-requested wait honoured inside one call; a longer one fails the call at once. */
  maxServerWaitMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  onResponse?: ResponseObserver;
  /** Connections kept to the environment (default 4); the relay sets its delivery concurrency. */
  connections?: number;
}

const MAX_ERROR_BODY = 64 * 1024;

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
 * HTTP client for one Dynatrace environment: keep-alive connection pool, token header, exact
 * 64-bit ids, and retries with backoff for 429, 5xx and network errors. It knows nothing of
 * Prometheus or express; callers observe requests through `onResponse`.
 */
export class DynatraceClient {
  private readonly pool: Pool;
  private readonly backoff: BackoffPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly maxServerWaitMs: number;

  constructor(private readonly options: ClientOptions) {
    this.pool = new Pool(options.address.origin, { connections: options.connections ?? 4, pipelining: 1 });
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.now = options.now ?? Date.now;
    this.maxServerWaitMs = options.maxServerWaitMs ?? 60_000;
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
   * so retrying is the relay outbox's decision. Throws a {@link DynatraceError} subclass on failure.
   */
  async postJson(endpoint: string, path: string, body: string, signal?: AbortSignal): Promise<unknown> {
    const fullPath = `${this.options.address.basePath}${path}`;
    return this.attempt({ method: "POST", endpoint, path, fullPath, body, parse: parseJsonExactIds }, signal);
  }

  /** Closes the connection pool; in-flight requests are aborted. */
  async close(): Promise<void> {
    await this.pool.destroy();
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
    const { endpoint, path } = req;
    let statusCode: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const res = await this.pool.request({
        method: req.method,
        path: req.fullPath,
        body: req.body,
        headers: {
          authorization: `Api-Token ${this.options.token}`,
          accept: "application/json",
          "user-agent": this.options.userAgent,
          ...(req.body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
        },
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal,
      });
      statusCode = res.statusCode;
      headers = res.headers;
      text = await readBody(res.body, statusCode < 300 ? Number.POSITIVE_INFINITY : MAX_ERROR_BODY);
    } catch (err) {
      const kind = classifyNetworkError(err, signal);
      this.options.onResponse?.(endpoint, kind === "timeout" ? "timeout" : "network_error");
      throw new DynatraceNetworkError(kind, path, err);
    }
    this.options.onResponse?.(endpoint, String(statusCode));
    if (statusCode < 200 || statusCode >= 300) {
      throw new DynatraceHttpError(
        statusCode,
        path,
        apiErrorMessage(text)?.replaceAll(this.options.token, "<redacted>"),
        serverRetryDelay(headers, this.now()),
      );
    }
    try {
      return req.parse(text);
    } catch {
      // A push was accepted whatever its answer says; only a read needs the body.
      if (req.method === "POST") return undefined;
      throw new DynatraceProtocolError(
        "malformed_response",
        `response from ${path} is not valid JSON (${text.length} bytes)`,
      );
    }
  }
}

async function readBody(body: AsyncIterable<Buffer> & { text(): Promise<string> }, limit: number) {
  if (limit === Number.POSITIVE_INFINITY) return body.text();
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    if (size < limit) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

function classifyNetworkError(err: unknown, signal?: AbortSignal): "timeout" | "network" | "aborted" {
  if (signal?.aborted) return "aborted";
  const code = (err as { code?: string }).code ?? "";
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" ? "timeout" : "network";
}

/** The `error.message` of Dynatrace's error envelope, shortened and made single-line for logs. */
function apiErrorMessage(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    const message = parsed.error?.message;
    if (typeof message === "string") return message.replace(/\s+/g, " ").slice(0, 200);
  } catch {
    // Not the envelope (a proxy's HTML page, say): the status code alone has to do.
  }
  return undefined;
}
