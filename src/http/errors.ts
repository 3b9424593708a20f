import type { ErrorRequestHandler, RequestHandler } from "express";

/** An error whose status and message may be shown to the client as they are. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Body of every error answer, the same envelope the Dynatrace API uses. */
export function errorBody(status: number, message: string) {
  return { error: { code: status, message } };
}

/** Answers unmatched routes with a JSON 404. */
export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody(404, `no route for ${req.method} ${req.path}`));
};

/**
 * Maps errors to JSON answers. Client mistakes (body-parser's 4xx, {@link HttpError}) keep their
 * status and message; anything else is a 500 whose details go to the log, never to the client.
 */
export function errorHandler(log: (err: unknown) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const declared = (err as { status?: unknown } | null)?.status;
    const clientMistake = typeof declared === "number" && declared >= 400 && declared < 500;
    const status = clientMistake ? declared : 500;
    if (!clientMistake) log(err);
    const message =
      clientMistake || err instanceof HttpError ? String((err as Error).message) : "internal error";
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(errorBody(status, message));
  };
}
