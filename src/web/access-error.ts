/**
 * A request the web configuration refuses: no valid basic-auth credentials (`unauthorized`), a
 * client certificate that the TLS settings do not accept (`forbidden`), too many failed attempts
 * from the client's address (`limited`), or too many password checks waiting (`busy`). Thrown by
 * the web guards; the HTTP layer's error mapping answers it 401 (with a Basic challenge), 403, 429
 * or 503 (both with Retry-After).
 */
export class WebAccessError extends Error {
  override readonly name = "WebAccessError";
  constructor(
    readonly refusal: "unauthorized" | "forbidden" | "limited" | "busy",
    message: string,
    /** Seconds the client should wait (`limited`, `busy`). */
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}
