import { createHash } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import { WebAccessError } from "./access-error.js";
import { PasswordCheckerBusyError, type PasswordChecker } from "./password-checker.js";
import type { WebConfigSource } from "./web-config.js";

/** Verified credentials are remembered (bcrypt costs ~50-100 ms per check by design). */
/**
 * How long verified credentials pass without a comparison since their last use. Long, and renewed
 * on every use, so that a scraper already in keeps passing while many addresses guess and the
 * comparisons queue up; the key covers the stored hash, so a changed password ends it at once.
 */
const CACHE_MS = 3_600_000;
const CACHE_MAX = 1000;

/** Failed attempts per client address; the relay's FailedAuthLimiter fits it. */
export interface FailureLimiter {
  /** Seconds until the address may try again, or 0. */
  blockedFor(address: string): number;
  recordFailure(address: string): void;
}

/** What the basic-auth guard needs beside the configuration. */
export interface WebAuthDeps {
  /** Runs the bcrypt comparisons off the event loop. */
  checker: PasswordChecker;
  /** Counts failed attempts per address (429 past its limit). */
  limiter: FailureLimiter;
  /** Time for the verified-credentials cache. */
  clock: () => number;
}

const USER_KEY = "webConfigUser";

/** The web-config user a request authenticated as, once {@link webConfigGuard} let it pass. */
export function authenticatedUser(res: Response): string | undefined {
  const user: unknown = res.locals[USER_KEY];
  return typeof user === "string" ? user : undefined;
}

/**
 * Applies the web configuration to a request: its extra headers on every answer, and, when
 * `basic_auth_users` is set, HTTP basic authentication against the bcrypt hashes (401 with
 * `WWW-Authenticate` otherwise). The configuration is read per request, so a changed file applies
 * to the next request.
 *
 * Guessing is bounded as the relay's tokens are: failed attempts count per client address, and an
 * address past the limit gets 429 without a comparison (credentials verified before pass without
 * one, for an hour since their last use). An unknown user costs a full comparison too, against a configured hash, so
 * the answer's timing does not tell which user names exist.
 */
export function webConfigGuard(source: WebConfigSource, deps: WebAuthDeps): RequestHandler {
  const verified = new Map<string, number>();
  if (source.current().users.size > 0) deps.checker.warm();
  return (req, res, next) => {
    const config = source.current();
    for (const [name, value] of Object.entries(config.headers)) res.set(name, value);
    if (config.users.size === 0) {
      next();
      return;
    }
    const credentials = basicCredentials(req.get("authorization"));
    if (!credentials) {
      next(unauthorized());
      return;
    }
    const hash = config.users.get(credentials.user);
    // The key covers the hash too, so a changed password invalidates what was cached for it.
    const key = createHash("sha256")
      .update(`${credentials.user}\0${credentials.password}\0${hash ?? ""}`)
      .digest("hex");
    const pass = () => {
      res.locals[USER_KEY] = credentials.user;
      next();
    };
    const now = deps.clock();
    if ((verified.get(key) ?? 0) > now) {
      verified.set(key, now + CACHE_MS);
      return pass();
    }
    const address = clientAddress(req);
    const wait = deps.limiter.blockedFor(address);
    if (wait > 0) return next(limited(wait));
    const against = hash ?? config.users.values().next().value ?? "";
    deps.checker.compare(credentials.password, against).then(
      (ok) => {
        if (ok && hash !== undefined) {
          if (verified.size >= CACHE_MAX) verified.clear();
          verified.set(key, deps.clock() + CACHE_MS);
          return pass();
        }
        deps.limiter.recordFailure(address);
        next(unauthorized());
      },
      (err: unknown) => next(err instanceof PasswordCheckerBusyError ? busy() : err),
    );
  };
}

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? "unknown";
}

function unauthorized(): WebAccessError {
  return new WebAccessError("unauthorized", "basic authentication required (web config basic_auth_users)");
}

function limited(seconds: number): WebAccessError {
  return new WebAccessError(
    "limited",
    "too many failed authentication attempts from this address; try again later",
    seconds,
  );
}

function busy(): WebAccessError {
  return new WebAccessError("busy", "too many password checks waiting; try again shortly", 1);
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
