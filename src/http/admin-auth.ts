import type { RequestHandler } from "express";
import { errorBody } from "./errors.js";
import { credentialOf, matchesToken } from "./relay-auth.js";

/**
 * Guards admin endpoints (`/-/reload`, `/-/dead-letters`): a request passes only with one of
 * `tokens` as `Authorization: Bearer <token>` (or any scheme {@link credentialOf} reads). With no
 * tokens configured the endpoints are off (403 saying how to turn them on); SIGHUP still reloads.
 */
export function requireAdmin(tokens: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (tokens.length === 0) {
      res
        .status(403)
        .json(errorBody(403, "admin endpoints are off; set ADMIN_TOKENS to use them (SIGHUP still reloads)"));
      return;
    }
    if (!matchesToken(credentialOf(req.get("authorization")), tokens)) {
      res
        .status(401)
        .set("WWW-Authenticate", 'Bearer realm="dynatrace-events-exporter admin"')
        .json(errorBody(401, "admin endpoints need Authorization: Bearer <one of ADMIN_TOKENS>"));
      return;
    }
    next();
  };
}
