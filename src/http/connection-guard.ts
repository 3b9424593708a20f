import type { RequestHandler } from "express";
import type { ConnectionCap } from "../web/connection-cap.js";
import { HttpError } from "./errors.js";

const PROBES = new Set(["/healthz", "/readyz"]);

/**
 * Applies the {@link ConnectionCap}'s verdict to each request, first of all middleware: probes are
 * always served; other requests on a connection past a cap get 503 (server full) or 429 (this client
 * holds its share), with Retry-After, and the connection is closed after the answer.
 */
export function connectionCapGuard(cap: ConnectionCap): RequestHandler {
  return (req, res, next) => {
    const verdict = cap.check(req.socket, req.ip ?? req.socket.remoteAddress ?? "unknown");
    if (verdict === "serve") return next();
    res.set("Connection", "close");
    if (PROBES.has(req.path)) return next();
    if (verdict === "probes only: server full") {
      throw new HttpError(503, "the server holds WEB_MAX_CONNECTIONS connections; try again later", {
        "Retry-After": "1",
      });
    }
    throw new HttpError(
      429,
      "this client holds WEB_MAX_CONNECTIONS_PER_CLIENT connections; reuse one or try again later",
      { "Retry-After": "1" },
    );
  };
}
