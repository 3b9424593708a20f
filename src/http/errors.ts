import type { ErrorRequestHandler, RequestHandler } from "express";
import { DeadLetterFilterError, OutboxStorageError, OutboxUnavailableError } from "../relay/outbox-errors.js";
import { InvalidAlarmError, NoRelayableAlertsError } from "../relay/validation-error.js";
import { WebAccessError } from "../web/access-error.js";
import { noneRelayableDetails } from "./intake-answers.js";

/** An error whose status, message and headers may be shown to the client as they are. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    /** Headers of the answer, e.g. Retry-After or WWW-Authenticate. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Body of every error answer, the same envelope the Dynatrace API uses. */
export function errorBody(status: number, message: string, details: Record<string, unknown> = {}) {
  return { error: { code: status, message, ...details } };
}

/** How an error is answered: status, headers, the `error` object's fields beyond code and message. */
export interface ErrorAnswer {
  status: number;
  message: string;
  headers?: Readonly<Record<string, string>>;
  details?: Record<string, unknown>;
  /** Set for a fault of this process or its disk, not of the request: the log line's message. */
  logAs?: string;
}

/** Seconds a client should wait before retrying when the outbox cannot take writes. */
const OUTBOX_RETRY_AFTER = "30";

/**
 * The one mapping from the app's typed errors to answers. Every layer throws its own errors; only
 * this function knows their statuses. Anything it does not know is a 500 whose message is generic.
 */
export function errorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof HttpError) return { status: err.status, message: err.message, headers: err.headers };
  if (err instanceof InvalidAlarmError) return invalidAlarm(err);
  if (err instanceof DeadLetterFilterError) return { status: 400, message: err.message };
  if (err instanceof OutboxUnavailableError) {
    return { status: 503, message: err.message, headers: { "Retry-After": OUTBOX_RETRY_AFTER } };
  }
  if (err instanceof OutboxStorageError) {
    const headers = { "Retry-After": OUTBOX_RETRY_AFTER };
    return {
      status: 503,
      message: err.message,
      headers,
      logAs: "request failed: the outbox cannot be read or written",
    };
  }
  if (err instanceof WebAccessError) {
    if (err.refusal === "forbidden") return { status: 403, message: err.message };
    if (err.refusal === "limited" || err.refusal === "busy") {
      const status = err.refusal === "limited" ? 429 : 503;
      return { status, message: err.message, headers: { "Retry-After": String(err.retryAfterSeconds) } };
    }
    const headers = { "WWW-Authenticate": 'Basic realm="dynatrace-events-exporter"' };
    return { status: 401, message: err.message, headers };
  }
  const clientStatus = expressClientStatus(err);
  if (clientStatus !== undefined) return { status: clientStatus, message: String((err as Error).message) };
  return { status: 500, message: "internal error", logAs: "unhandled error in HTTP handler" };
}

/** 400 in Dynatrace's error shape: the failing fields as constraintViolations. */
function invalidAlarm(err: InvalidAlarmError): ErrorAnswer {
  const constraintViolations = err.violations.map((v) => ({ ...v, parameterLocation: "PAYLOAD_BODY" }));
  const extra = err instanceof NoRelayableAlertsError ? noneRelayableDetails(err) : {};
  return { status: 400, message: err.message, details: { constraintViolations, ...extra } };
}

/**
 * The 4xx status express's own errors declare: its body parsers' (http-errors: too large 413,
 * bad JSON 400, unsupported charset 415) and its router's (a path that cannot be decoded, 400).
 * http-errors marks statuses whose message must not be shown with `expose: false`.
 */
function expressClientStatus(err: unknown): number | undefined {
  const e = err as { status?: unknown; expose?: unknown } | null;
  if (typeof e?.status !== "number" || e.expose === false) return undefined;
  return e.status >= 400 && e.status < 500 ? e.status : undefined;
}

/** Answers unmatched routes with a JSON 404. */
export const notFound: RequestHandler = (req) => {
  throw new HttpError(404, `no route for ${req.method} ${req.path}`);
};

/**
 * The app's error middleware: answers every error by {@link errorAnswer} in the JSON envelope.
 * Faults of the process (500, a failing disk) go to `log`; clients never see a stack trace.
 */
export function errorHandler(log: (err: unknown, message: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const answer = errorAnswer(err);
    if (answer.logAs !== undefined) log(err, answer.logAs);
    if (res.headersSent) {
      res.end();
      return;
    }
    res
      .status(answer.status)
      .set(answer.headers ?? {})
      .json(errorBody(answer.status, answer.message, answer.details));
  };
}
