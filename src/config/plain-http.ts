import { ConfigError } from "./errors.js";
import type { DynatraceAddress } from "./url.js";

/** An environment as far as the plain-HTTP check needs it. */
interface Reached {
  name: string;
  address: DynatraceAddress;
  allowHttp?: boolean;
}

/** Loopback hosts: the simulator, a tunnel or a sidecar on the same machine; nothing travels. */
function loopback(origin: string): boolean {
  const host = new URL(origin).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Refuses an `http://` tenant address off the machine unless its environment sets
 * DYNATRACE_ALLOW_HTTP (`allowHttp`): the token would travel in clear, and a SaaS tenant answers
 * plain HTTP with a closed socket seconds later, far from the cause. `where` names the setting.
 */
export function refusePlainHttp(environments: readonly Reached[], where: (e: Reached, i: number) => string) {
  environments.forEach((e, i) => {
    const origin = e.address.origin;
    if (!origin.startsWith("http:") || e.allowHttp === true || loopback(origin)) return;
    const https = origin.replace(/^http:/, "https:");
    throw new ConfigError(
      where(e, i),
      `uses http://, which would send the token unencrypted: use ${https}, or set DYNATRACE_ALLOW_HTTP=true (file: allowHttp: true) if this address really is plain HTTP`,
    );
  });
}
