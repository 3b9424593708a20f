import { isIP } from "node:net";
import type { z } from "zod";
import { quote } from "./secrets.js";

/** Names express's `trust proxy` understands for whole address ranges. */
const RANGE_NAMES = ["loopback", "linklocal", "uniquelocal"];

/** Whether `entry` is an address, an address/prefix CIDR, or one of {@link RANGE_NAMES}. */
export function isTrustedProxyEntry(entry: string): boolean {
  if (RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Validates TRUSTED_PROXIES: the list as given (express's `trust proxy` takes it as it is), or an
 * issue naming the first entry that is neither an address, a CIDR nor a range name.
 */
export function trustedProxyList(items: string[], ctx: z.RefinementCtx): string[] {
  const bad = items.find((i) => !isTrustedProxyEntry(i));
  if (bad !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: `${quote(bad)} is not an address, CIDR (e.g. 10.0.0.0/8) or one of ${RANGE_NAMES.join(", ")}`,
    });
  }
  return items;
}
