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
