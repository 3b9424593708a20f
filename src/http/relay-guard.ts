import type { NextFunction, Request, Response } from "express";
import type { InputSource } from "../relay/alarm.js";
import type { Relay } from "../relay/relay-service.js";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { HttpError } from "./errors.js";
import { credentialOf, matchesToken } from "./relay-auth.js";

/**
 * Auth, environment and content-type checks, before the body is read. The token is checked
 * first: a request with a valid token always passes, whatever other requests from its address
 * did. Only failing requests meet the per-address limit, keyed by the client address (`req.ip`:
 * the peer, or the client a trusted proxy names in X-Forwarded-For).
 */
export function relayGuard(relay: Relay, source: InputSource, limiter: FailedAuthLimiter) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.relaySource = source;
    // The relay answers only JSON to programs; of helmet's headers (mounted after the relay for
    // speed) these two are the ones that matter for such answers.
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("cache-control", "no-store");
    if (!relay.enabled) {
      throw new HttpError(
        401,
        "the relay is not configured: set RELAY_TOKENS (or RELAY_ALLOW_ANONYMOUS=true)",
      );
    }
    if (
      !relay.config.allowAnonymous &&
      !matchesToken(credentialOf(req.get("authorization")), relay.config.tokens)
    ) {
      refuse(req, res, relay, limiter);
    }
    res.locals.relayEnvironment = targetEnvironment(relay, req);
    // req.is() is null for a request without a body, whatever its Content-Type says.
    const json = req.is(["application/json", "application/*+json"]);
    if (json === null) throw new HttpError(400, "the request has no body: send the alarm as JSON");
    if (json === false) {
      throw new HttpError(
        415,
        `Content-Type must be application/json (got ${req.get("content-type") ?? "none"})`,
      );
    }
    next();
  };
}

/** Throws the answer to a failed authentication: 429 once the address is over its limit, else 401. */
function refuse(req: Request, res: Response, relay: Relay, limiter: FailedAuthLimiter): never {
  const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
  relay.authFailed();
  const wait = limiter.blockedFor(address);
  if (wait > 0) {
    res.set("Retry-After", String(wait));
    throw new HttpError(429, "too many failed authentication attempts from this address; try again later");
  }
  limiter.recordFailure(address);
  res.set("WWW-Authenticate", 'Bearer realm="dynatrace-events-exporter relay"');
  throw new HttpError(401, "missing or invalid relay token (send Authorization: Bearer <token>)");
}

/** The environment a request targets: the `/e/<name>/` prefix, else the first configured (404 if unknown). */
export function targetEnvironment(relay: Relay, req: Request): string {
  const wanted: unknown = req.params.environment;
  if (typeof wanted !== "string") return relay.environments[0] as string;
  if (!relay.environments.includes(wanted)) {
    throw new HttpError(
      404,
      `unknown environment "${wanted}" (configured: ${relay.environments.join(", ")})`,
    );
  }
  return wanted;
}
