import type { Server, ServerOptions } from "node:http";

/** How long and how much one client may hold of the HTTP server. */
export interface ServerLimits {
  /** Time to receive a request's headers (slowloris); Node answers 408 and closes. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (slow bodies). */
  requestTimeoutMs: number;
  /** Idle time of a keep-alive connection between requests; above common load balancers' 60 s. */
  keepAliveTimeoutMs: number;
  /**
   * Requests served on one connection: the last answer says `Connection: close` (further requests
   * on it get 503), so long-lived clients reconnect and spread over replicas.
   */
  maxRequestsPerSocket: number;
  /** Open connections at most; further ones are closed on arrival (WEB_MAX_CONNECTIONS). */
  maxConnections: number;
}

/**
 * The limits in production. The request timeout allows a full 8 MiB Alertmanager notification at
 * 150 KB/s; `server.timeout` (socket inactivity) stays 0 because the two timeouts above bound
 * every request and keepAliveTimeout bounds idle connections.
 */
export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxRequestsPerSocket: 1000,
  maxConnections: 1024,
};

/**
 * The server options that carry `limits`. Node checks the header and request timeouts on a timer;
 * its period is a quarter of the shorter timeout (at most 1 s), so a connection is closed within
 * 25% of its limit rather than Node's default 30 s later.
 */
export function serverOptions(limits: ServerLimits): ServerOptions {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(shortest / 4))),
  };
}

/** Sets the limits that are properties rather than options, on an HTTP or HTTPS server. */
export function applyServerLimits(server: Server, limits: ServerLimits): Server {
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.maxConnections = limits.maxConnections;
  server.timeout = 0;
  return server;
}
