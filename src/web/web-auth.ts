import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import bcrypt from "bcryptjs";
import { WebAccessError } from "./access-error.js";
import type { WebConfigSource } from "./web-config.js";

/** Verified credentials are remembered for a minute: bcrypt costs ~50-100 ms per check by design. */
const CACHE_MS = 60_000;
const CACHE_MAX = 1000;

/**
 * Applies the web configuration to a request: its extra headers on every answer, and, when
 * `basic_auth_users` is set, HTTP basic authentication against the bcrypt hashes (401 with
 * `WWW-Authenticate` otherwise). The configuration is read per request, so a changed file applies
 * to the next request.
 */
export function webConfigGuard(source: WebConfigSource): RequestHandler {
  const verified = new Map<string, number>();
  return (req, res, next) => {
    const config = source.current();
    for (const [name, value] of Object.entries(config.headers)) res.set(name, value);
    if (config.users.size === 0) {
      next();
      return;
    }
    const credentials = basicCredentials(req.get("authorization"));
    const hash = credentials ? config.users.get(credentials.user) : undefined;
    if (credentials && hash) {
      // The key covers the hash too, so a changed password invalidates what was cached for it.
      const key = createHash("sha256")
        .update(`${credentials.user}\0${credentials.password}\0${hash}`)
        .digest("hex");
      const until = verified.get(key);
      if (until !== undefined && until > Date.now()) {
        next();
        return;
      }
      void bcrypt.compare(credentials.password, hash).then((ok) => {
        if (ok) {
          if (verified.size >= CACHE_MAX) verified.clear();
          verified.set(key, Date.now() + CACHE_MS);
          next();
        } else next(unauthorized());
      }, next);
      return;
    }
    next(unauthorized());
  };
}

function unauthorized(): WebAccessError {
  return new WebAccessError("unauthorized", "basic authentication required (web config basic_auth_users)");
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
