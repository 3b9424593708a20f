import type { Request, Response } from "express";
import type { InputSource } from "../relay/alarm.js";
import type { Relay } from "../relay/relay-service.js";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { HttpError } from "./errors.js";
import { credentialOf, matchesToken } from "./relay-auth.js";

/**
 * Admits an intake request: the relay is on, the token is valid, the environment is configured,
 * the body is JSON within its limit (read by `readBody`). Resolves to the target environment.
 * Every refusal is counted as one rejected alarm of `source` (environment `unknown` when refused
 * before the target was known), then thrown for the error middleware to answer.
 */
export async function admitRelayRequest(
  relay: Relay,
  source: InputSource,
  limiter: FailedAuthLimiter,
  req: Request,
  res: Response,
  readBody: (req: Request, res: Response) => Promise<void>,
): Promise<string> {
  // The relay answers only JSON to programs; of helmet's headers (mounted after the relay for
  // speed) these two are the ones that matter for such answers.
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("cache-control", "no-store");
  let environment = "unknown";
  // Counting needs the step each refusal came from; answering it is the error middleware's job.
  try {
    authenticate(relay, limiter, req);
    environment = targetEnvironment(relay, req);
    requireJson(req);
    await readBody(req, res);
    return environment;
  } catch (err) {
    relay.rejected(source, environment);
    throw err;
  }
}

/**
 * The token is checked first: a request with a valid token always passes, whatever other
 * requests from its address did. Only failing requests meet the per-address limit, keyed by the
 * client address (`req.ip`: the peer, or the client a trusted proxy names in X-Forwarded-For).
 */
function authenticate(relay: Relay, limiter: FailedAuthLimiter, req: Request): void {
  if (!relay.enabled) {
    throw new HttpError(401, "the relay is not configured: set RELAY_TOKENS (or RELAY_ALLOW_ANONYMOUS=true)");
  }
  if (relay.config.allowAnonymous) return;
  if (matchesToken(credentialOf(req.get("authorization")), relay.config.tokens)) return;
  const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
  relay.authFailed();
  const wait = limiter.blockedFor(address);
  if (wait > 0) {
    throw new HttpError(429, "too many failed authentication attempts from this address; try again later", {
      "Retry-After": String(wait),
    });
  }
  limiter.recordFailure(address);
  throw new HttpError(401, "missing or invalid relay token (send Authorization: Bearer <token>)", {
    "WWW-Authenticate": 'Bearer realm="dynatrace-events-exporter relay"',
  });
}

function requireJson(req: Request): void {
  // req.is() is null for a request without a body, whatever its Content-Type says.
  const json = req.is(["application/json", "application/*+json"]);
  if (json === null) throw new HttpError(400, "the request has no body: send the alarm as JSON");
  if (json === false) {
    throw new HttpError(
      415,
      `Content-Type must be application/json (got ${req.get("content-type") ?? "none"})`,
    );
  }
}

/** The environment a request targets: the `/e/<name>/` prefix, else the first configured (404 if unknown). */
function targetEnvironment(relay: Relay, req: Request): string {
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
