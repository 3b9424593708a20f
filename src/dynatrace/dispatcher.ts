import { rootCertificates } from "node:tls";
import { type Dispatcher, Pool, ProxyAgent } from "undici";

/** How one environment's connections are made. */
export interface DispatcherOptions {
  /** Keep-alive connections to the environment (or through the proxy to it); 0 for no cap. */
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
      connections: options.connections > 0 ? options.connections : null,
      pipelining: 1,
      ...(tls ? { connect: tls } : {}),
    });
  }
  return new ProxyAgent({
    uri: options.proxy,
    ...(options.connections > 0 ? { connections: options.connections } : {}),
    proxyTunnel: origin.startsWith("https:"),
    // The same CAs serve an https:// proxy's own certificate: internal proxies use internal CAs too.
    ...(tls ? { requestTls: tls, proxyTls: tls } : {}),
  });
}

/** A dispatcher borrowed from {@link SharedDispatchers}; `release` gives it back once. */
export interface DispatcherLease {
  dispatcher: Dispatcher;
  release(): Promise<void>;
}

/**
 * One dispatcher per (origin, proxy, CA) for every environment that reaches the same tenant the
 * same way: a Managed cluster's thousand environments share one origin, and a pool each (with its
 * sockets, parsers and buffers, about 20 KB before a request) would cost more than their events.
 * The pool is not capped in connections: what bounds them is the requests in flight, at most
 * MAX_CONCURRENT_DRAINS × FEED_READ_CONCURRENCY for the feed. Destroyed when its last user
 * releases it.
 */
export class SharedDispatchers {
  private readonly held = new Map<string, { dispatcher: Dispatcher; users: number }>();

  /** The dispatcher for `origin` reached as `options` says (their `connections` is ignored). */
  acquire(origin: string, options: Omit<DispatcherOptions, "connections">): DispatcherLease {
    const key = JSON.stringify([origin, options.proxy ?? "", options.ca ?? ""]);
    let entry = this.held.get(key);
    if (entry === undefined) {
      entry = { dispatcher: createDispatcher(origin, { ...options, connections: 0 }), users: 0 };
      this.held.set(key, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    return {
      dispatcher: held.dispatcher,
      release: async () => {
        if (released) return;
        released = true;
        if (--held.users > 0) return;
        this.held.delete(key);
        await held.dispatcher.destroy();
      },
    };
  }

  /** Dispatchers held now (one per origin, proxy and CA in use). */
  get size(): number {
    return this.held.size;
  }
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
