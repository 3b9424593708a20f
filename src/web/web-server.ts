import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer, type ServerOptions } from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { RequestHandler } from "express";
import { applyServerLimits, type ServerLimits, serverOptions } from "./server-limits.js";
import { WebAccessError } from "./access-error.js";
import { type ConnectionCap, PROBE_RESERVE } from "./connection-cap.js";
import type { TlsSettings, WebConfigSource } from "./web-config.js";

function secureOptions(t: TlsSettings): ServerOptions {
  const requestCert = t.clientAuth !== "NoClientCert";
  return {
    cert: t.cert,
    key: t.key,
    ca: t.ca,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    requestCert,
    rejectUnauthorized: t.clientAuth === "RequireAndVerifyClientCert",
  };
}

/**
 * The HTTP server for the app: plain HTTP, or HTTPS when the web configuration has
 * `tls_server_config`. Certificates are checked for changes as connections arrive (a stat of each
 * file), so a rotated certificate is served from the next connection on. Whether TLS is on at all
 * is decided at start. With a `cap`, every connection is counted by it on arrival (before TLS),
 * and Node's own limit leaves room for its probe reserve.
 */
export function createWebServer(
  handler: RequestListener,
  source: WebConfigSource | undefined,
  limits: ServerLimits,
  cap?: ConnectionCap,
): Server {
  let tls = source?.current().tls;
  if (!source || !tls) return limited(createHttpServer(serverOptions(limits), handler), limits, cap);
  const server = createHttpsServer({ ...serverOptions(limits), ...secureOptions(tls) }, handler);
  limited(server, limits, cap);
  server.on("connection", () => {
    const now = source.current().tls;
    if (now && now !== tls) {
      tls = now;
      server.setSecureContext(secureOptions(now));
    }
  });
  return server;
}

function limited(server: Server, limits: ServerLimits, cap: ConnectionCap | undefined): Server {
  applyServerLimits(server, limits);
  if (cap) {
    server.maxConnections = limits.maxConnections + PROBE_RESERVE;
    server.on("connection", (socket: Socket) => cap.admit(socket));
  }
  return server;
}

/**
 * What TLS cannot enforce by itself for exporter-toolkit's client_auth_type and
 * client_allowed_sans: a certificate required but not verified (RequireAnyClientCert), verified only
 * when given (VerifyClientCertIfGiven), and the allowed subject alternative names.
 */
export function clientCertGuard(source: WebConfigSource): RequestHandler {
  return (req, _res, next) => {
    const tls = source.current().tls;
    const socket = req.socket as TLSSocket;
    if (!tls || typeof socket.getPeerCertificate !== "function") {
      next();
      return;
    }
    const cert = socket.getPeerCertificate();
    const present = cert !== null && Object.keys(cert).length > 0;
    const refuse = (message: string) => {
      next(new WebAccessError("forbidden", message));
    };
    if (tls.clientAuth === "RequireAnyClientCert" && !present)
      return refuse("a client certificate is required");
    if (tls.clientAuth === "VerifyClientCertIfGiven" && present && !socket.authorized) {
      return refuse("the client certificate is not signed by client_ca_file");
    }
    if (tls.clientAllowedSans.length > 0) {
      const sans = (cert?.subjectaltname ?? "").split(", ").map((s) => s.replace(/^[A-Za-z ]+:/, ""));
      if (!present || !tls.clientAllowedSans.some((s) => sans.includes(s))) {
        return refuse("the client certificate's names are not in client_allowed_sans");
      }
    }
    next();
  };
}
