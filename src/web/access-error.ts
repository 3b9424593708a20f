/**
 * A request the web configuration refuses: no valid basic-auth credentials (`unauthorized`), or a
 * client certificate that the TLS settings do not accept (`forbidden`). Thrown by the web guards;
 * the HTTP layer's error mapping answers it 401 (with a Basic challenge) or 403.
 */
export class WebAccessError extends Error {
  override readonly name = "WebAccessError";
  constructor(
    readonly refusal: "unauthorized" | "forbidden",
    message: string,
  ) {
    super(message);
  }
}
