import type { Request, RequestHandler } from "express";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { HttpError } from "./errors.js";
import { credentialOf, matchesToken } from "./relay-auth.js";

/**
 * Guards admin endpoints (`/-/reload`, `/-/dead-letters`): a request passes only with one of
 * `tokens` as `Authorization: Bearer <token>` (or any scheme {@link credentialOf} reads). With no
 * tokens configured the endpoints are off (403 saying how to turn them on); SIGHUP still reloads.
 * With a `limiter`, failed attempts count per client address like the relay's (429 past the limit,
 * for failing requests only: a valid token always passes).
 */
export function requireAdmin(tokens: readonly string[], limiter?: FailedAuthLimiter): RequestHandler {
  return (req, _res, next) => {
    if (tokens.length === 0) {
      throw new HttpError(
        403,
        "admin endpoints are off; set ADMIN_TOKENS to use them (SIGHUP still reloads)",
      );
    }
    if (!matchesToken(credentialOf(req.get("authorization")), tokens)) {
      const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
      const wait = limiter?.blockedFor(address) ?? 0;
      if (wait > 0) {
        throw new HttpError(
          429,
          "too many failed authentication attempts from this address; try again later",
          {
            "Retry-After": String(wait),
          },
        );
      }
      limiter?.recordFailure(address);
      throw new HttpError(401, "admin endpoints need Authorization: Bearer <one of ADMIN_TOKENS>", {
        "WWW-Authenticate": 'Bearer realm="dynatrace-events-exporter admin"',
      });
    }
    next();
  };
}

/**
 * Whether a request passes {@link requireAdmin}, asked without answering it and without counting
 * a failure: pages that show more to admins (the upstream error text) use it.
 */
export function adminCheck(tokens: readonly string[]): (req: Request) => boolean {
  const guard = requireAdmin(tokens);
  return (req) => {
    let passed = false;
    try {
      guard(req, {} as never, () => {
        passed = true;
      });
    } catch {
      passed = false;
    }
    return passed;
  };
}
