import { rootCertificates } from "node:tls";
import { type Dispatcher, Pool, ProxyAgent } from "undici";

/** How one environment's connections are made. */
export interface DispatcherOptions {
  /** Keep-alive connections to the environment (or through the proxy to it). */
  connections: number;
  /** Proxy URL (`http://user:pass@host:port`) when the environment is reached through one. */
  proxy?: string | undefined;
  /** PEM certificates trusted for the tenant's (and an https:// proxy's) TLS, beside Node's roots. */
  ca?: string | undefined;
}

/**
 * The dispatcher of one environment: a keep-alive pool to its origin, or, behind a proxy, a
 * {@link ProxyAgent} keeping its own pool. HTTPS goes through the proxy as a CONNECT tunnel (TLS
 * to the tenant end to end, checked against `ca`); plain HTTP is forwarded as curl does it.
 */
export function createDispatcher(origin: string, options: DispatcherOptions): Dispatcher {
  const tls = options.ca ? { ca: [...rootCertificates, options.ca] } : undefined;
  if (!options.proxy) {
    return new Pool(origin, {
      connections: options.connections,
      pipelining: 1,
      ...(tls ? { connect: tls } : {}),
    });
  }
  return new ProxyAgent({
    uri: options.proxy,
    connections: options.connections,
    proxyTunnel: origin.startsWith("https:"),
    // The same CAs serve an https:// proxy's own certificate: internal proxies use internal CAs too.
    ...(tls ? { requestTls: tls, proxyTls: tls } : {}),
  });
}

/** The user and password of a proxy URL (decoded and raw), to redact wherever they might echo. */
export function proxySecrets(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const url = new URL(raw);
    return [
      url.username,
      url.password,
      decodeURIComponent(url.username),
      decodeURIComponent(url.password),
    ].filter((s) => s.length > 0);
  } catch {
    return [];
  }
}
