import { isIP } from "node:net";
import { quote } from "./quote.js";

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
 * Why one TRUSTED_PROXIES entry is refused (naming it), or undefined when it is an address, a
 * CIDR or a range name; express's `trust proxy` takes the list as it is.
 */
export function trustedProxyProblem(entry: string): string | undefined {
  if (isTrustedProxyEntry(entry)) return undefined;
  return `${quote(entry)} is not an address, CIDR (e.g. 10.0.0.0/8) or one of ${RANGE_NAMES.join(", ")}`;
}
