import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The credential in an Authorization header: `Bearer <t>`, `Api-Token <t>` (any casing, as netdata
 * sends `Api-token`), or the password of `Basic` auth (Alertmanager's basic_auth).
 */
export function credentialOf(header: string | undefined): string | undefined {
  const m = /^(\S+)\s+(\S.*)$/.exec(header ?? "");
  if (!m) return undefined;
  const scheme = (m[1] as string).toLowerCase();
  const value = (m[2] as string).trim();
  if (scheme === "bearer" || scheme === "api-token") return value;
  if (scheme !== "basic") return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Whether `candidate` equals one of `tokens`, in time independent of where they differ: both
 * sides are hashed to equal length and every token is compared.
 */
export function matchesToken(candidate: string | undefined, tokens: readonly string[]): boolean {
  if (candidate === undefined) return false;
  const c = digest(candidate);
  let ok = false;
  for (const t of tokens) ok = timingSafeEqual(c, digest(t)) || ok;
  return ok;
}
