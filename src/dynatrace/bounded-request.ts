import type { Dispatcher } from "undici";

/** Largest feed page body read (a 1000-event v2 page is a few MB; this is far below memory). */
export const MAX_PAGE_BYTES = 32 * 1024 * 1024;
/** Largest push or ingest answer read (the documented answers are a few hundred bytes). */
export const MAX_PUSH_ANSWER_BYTES = 1024 * 1024;
/** Largest part of an error (non-2xx) body read; the rest is dropped with the connection. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The body was larger than the caller allows; it was not read further. */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
  }
}

/** A response body as undici hands it: a readable stream that can be destroyed. */
export interface BodyStream extends AsyncIterable<Buffer> {
  destroy(error?: Error): unknown;
}

/**
 * Reads a body into memory, never holding more than `limit` bytes: with `truncate`, the first
 * `limit` bytes are returned; otherwise a larger body throws {@link BodyTooLargeError}. Either
 * way the stream (and with it the connection, which cannot be reused mid-body) is destroyed as
 * soon as the limit is passed, so a body that never ends costs at most `limit` bytes.
 */
export async function readBounded(body: BodyStream, limit: number, truncate = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      size = limit;
      body.destroy();
      if (truncate) break;
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks, size);
}

/** A declared Content-Length above `limit` (the body need not be read to know it is too large). */
export function declaresMoreThan(
  headers: Record<string, string | string[] | undefined>,
  limit: number,
): boolean {
  const raw = headers["content-length"];
  const text = Array.isArray(raw) ? raw[0] : raw;
  return text !== undefined && /^\d+$/.test(text.trim()) && Number(text.trim()) > limit;
}

/** One HTTP request to make within a deadline and a body cap. */
export interface BoundedRequest {
  origin: string;
  method: "GET" | "POST";
  path: string;
  body?: string | undefined;
  headers: Record<string, string>;
  /** Longest wait for the headers once sent, and between two body chunks (undici's timeouts). */
  timeoutMs: number;
  /** Deadline of the whole exchange from the call: queueing, connect, headers and the whole body. */
  deadlineMs: number;
  /** Largest 2xx body; error bodies are cut at {@link MAX_ERROR_BODY_BYTES} instead. */
  limit: number;
  signal?: AbortSignal | undefined;
}

/** A complete answer: status, headers and the (bounded) body. */
export interface BoundedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request that got no complete answer; `deadlineHit` tells the deadline from other causes. */
export class ExchangeFailed extends Error {
  override readonly name = "ExchangeFailed";
  constructor(
    override readonly cause: unknown,
    readonly deadlineHit: boolean,
  ) {
    super("request failed", { cause });
  }
}

/**
 * Makes one request and reads its answer, all within `deadlineMs` (a server trickling a byte a
 * second fails at the deadline, not at its pace), headers and each chunk within `timeoutMs`, and `limit` bytes. Throws
 * {@link BodyTooLargeError} when the 2xx body is too large, {@link ExchangeFailed} otherwise.
 */
export async function boundedRequest(dispatcher: Dispatcher, req: BoundedRequest): Promise<BoundedResponse> {
  const { signal, timeoutMs, deadlineMs, limit } = req;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error("request deadline")), deadlineMs);
  // A listener removed afterwards, not AbortSignal.any: the caller's signal lives for the process.
  const onAbort = () => deadline.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    const res = await dispatcher.request({
      origin: req.origin,
      method: req.method,
      path: req.path,
      body: req.body,
      headers: req.headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: deadline.signal,
    });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (ok && declaresMoreThan(res.headers, limit)) {
      res.body.destroy();
      throw new BodyTooLargeError(limit);
    }
    const body = await readBounded(res.body, ok ? limit : MAX_ERROR_BODY_BYTES, !ok);
    return { statusCode: res.statusCode, headers: res.headers, body };
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw err;
    throw new ExchangeFailed(err, deadline.signal.aborted && !signal?.aborted);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
