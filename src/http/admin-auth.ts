import type { Request, RequestHandler, Response } from "express";
import { authenticatedUser } from "../web/web-auth.js";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { HttpError } from "./errors.js";
import { credentialOf, matchesToken } from "./relay-auth.js";

/** Who may use the admin endpoints. */
export interface AdminAccess {
  /** ADMIN_TOKENS. */
  tokens: readonly string[];
  /** WEB_ADMIN_USERS: web-config users admitted by their basic auth alone. */
  users: readonly string[];
}

/** The header that carries an admin token beside a basic-auth `Authorization`. */
export const ADMIN_TOKEN_HEADER = "X-Admin-Token";

/**
 * Guards admin endpoints (`/-/reload`, `/-/dead-letters`). A request passes with one of the
 * admin tokens in `X-Admin-Token` or as `Authorization: Bearer <token>` (or any scheme
 * {@link credentialOf} reads), or when the web configuration's basic auth let it in as one of
 * `access.users`. The separate header exists because with basic auth in the web config the one
 * `Authorization` header already carries the user. With neither tokens nor users the endpoints
 * are off (403 saying how to turn them on); SIGHUP still reloads. With a `limiter`, failed
 * attempts count per client address like the relay's (429 past the limit, for failing requests
 * only: a valid token always passes).
 */
export function requireAdmin(access: AdminAccess, limiter?: FailedAuthLimiter): RequestHandler {
  return (req, res, next) => {
    if (access.tokens.length === 0 && access.users.length === 0) {
      throw new HttpError(
        403,
        "admin endpoints are off; set ADMIN_TOKENS or WEB_ADMIN_USERS to use them (SIGHUP still reloads)",
      );
    }
    if (isAdmin(access, req, res)) return next();
    const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
    const wait = limiter?.blockedFor(address) ?? 0;
    if (wait > 0) {
      throw new HttpError(429, "too many failed authentication attempts from this address; try again later", {
        "Retry-After": String(wait),
      });
    }
    limiter?.recordFailure(address);
    throw new HttpError(
      401,
      `admin endpoints need one of ADMIN_TOKENS in ${ADMIN_TOKEN_HEADER} or Authorization: Bearer` +
        (access.users.length > 0 ? ", or basic auth as one of WEB_ADMIN_USERS" : ""),
      { "WWW-Authenticate": 'Bearer realm="dynatrace-events-exporter admin"' },
    );
  };
}

/**
 * Whether a request would pass {@link requireAdmin}, asked without answering it and without
 * counting a failure: pages that show more to admins (the upstream error text) use it.
 */
export function isAdmin(access: AdminAccess, req: Request, res: Response): boolean {
  const user = authenticatedUser(res);
  if (user !== undefined && access.users.includes(user)) return true;
  if (access.tokens.length === 0) return false;
  const header = req.get(ADMIN_TOKEN_HEADER);
  if (header !== undefined) return matchesToken(header.trim(), access.tokens);
  return matchesToken(credentialOf(req.get("authorization")), access.tokens);
}
