import express, { type Express, type RequestHandler } from "express";
import helmet from "helmet";
import type { Registry } from "prom-client";
import type { DrainStatus } from "../feed/drainer.js";
import type { Logger } from "../log/logger.js";
import { renderExposition, wantsOpenMetrics } from "../metrics/exposition.js";
import type { TextFamily } from "../metrics/text-family.js";
import { errorHandler, HttpError, notFound } from "./errors.js";
import { renderLandingPage } from "./landing-page.js";
import { LANDING_SCRIPT_HASH } from "./landing-assets.js";
import { environmentRows } from "./console-model.js";
import type { FeedOverview } from "../feed/feed-set.js";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { createRelayRouter } from "./relay-routes.js";
import { isAdmin, requireAdmin } from "./admin-auth.js";
import { connectionCapGuard } from "./connection-guard.js";
import type { ConnectionCap } from "../web/connection-cap.js";
import type { PasswordChecker } from "../web/password-checker.js";
import { gzipParts, negotiateEncoding } from "./metrics-encoding.js";
import type { WebConfigSource } from "../web/web-config.js";
import { webConfigGuard } from "../web/web-auth.js";
import { clientCertGuard } from "../web/web-server.js";
import { readinessHandler } from "./readiness.js";
import { createDeadLetterRouter } from "./dead-letter-routes.js";
import type { DeadLetterAdmin } from "../relay/dead-letter-service.js";
import type { Relay } from "../relay/relay-service.js";

/** What the HTTP layer reads; it owns no state of its own. */
export interface HttpDeps {
  registry: Registry;
  /** Families rendered beside the registry's (see {@link TextFamily}). */
  families: readonly TextFamily[];
  version: string;
  logger: Logger;
  statuses: () => DrainStatus[];
  /** What the landing page shows of each drained environment. */
  overviews: () => FeedOverview[];
  /** The clock "12 s ago" is counted on. */
  clock: () => number;
  relay: Relay;
  authLimiter: FailedAuthLimiter;
  /** Re-reads the configuration (POST /-/reload). */
  reload: () => Promise<{ ok: true } | { ok: false; error: string }>;
  /** Tokens of the admin endpoints (ADMIN_TOKENS); with adminUsers empty too, they are off. */
  adminTokens: readonly string[];
  /** Web-config users admitted to the admin endpoints by their basic auth (WEB_ADMIN_USERS). */
  adminUsers?: readonly string[];
  /** Runs the web config's bcrypt comparisons off the event loop (needed with `web`). */
  passwords?: PasswordChecker;
  /** Per-client connection accounting of the server (WEB_MAX_CONNECTIONS_PER_CLIENT). */
  connections?: ConnectionCap;
  /** Scrapes of /metrics served at once (WEB_MAX_REQUESTS); more get 503. 0: no limit. */
  maxScrapes: number;
  /** exporter-toolkit web configuration (TLS client checks, basic auth, headers), when set. */
  web?: WebConfigSource;
  /** Proxies whose X-Forwarded-For names the client (TRUSTED_PROXIES); empty trusts none. */
  trustedProxies?: readonly string[];
  /** The dead-letter table (`/-/dead-letters`); undefined when the relay is off. */
  deadLetters?: DeadLetterAdmin;
}

/**
 * The exporter's express app: `/metrics`, `/healthz`, `/readyz` (per role) and the landing page. Scrapes
 * only read what the drains left in memory; they never wait for a drain or call the API.
 */
export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  // req.ip is the peer address unless the peer is a trusted proxy; then it is the client that proxy names.
  app.set("trust proxy", deps.trustedProxies?.length ? [...deps.trustedProxies] : false);
  if (deps.connections) app.use(connectionCapGuard(deps.connections));
  // First: the intake is the hot path, and it needs neither helmet's page headers nor a walk past
  // the other routes.
  app.use(createRelayRouter(deps.relay, deps.authLimiter));
  const tls = deps.web?.current().tls !== undefined;
  app.use(
    helmet({
      contentSecurityPolicy: {
        // On plain HTTP, upgrade-insecure-requests would send a browser's next click to https://,
        // where nothing listens; HSTS would pin that for a year.
        directives: {
          "default-src": ["'none'"],
          "style-src": ["'unsafe-inline'"],
          // The landing page's refresh script alone (by hash), and its fetch of the page itself.
          "script-src": [LANDING_SCRIPT_HASH],
          "connect-src": ["'self'"],
          "upgrade-insecure-requests": tls ? [] : null,
        },
      },
      strictTransportSecurity: tls,
    }),
  );
  if (deps.web) {
    // Probes stay open: kubelets and load balancers cannot do basic auth, and they reveal no data.
    const checker = deps.passwords;
    if (!checker) throw new Error("createHttpApp: a web config needs a PasswordChecker");
    const guards = [
      clientCertGuard(deps.web),
      webConfigGuard(deps.web, { checker, limiter: deps.authLimiter, clock: deps.clock }),
    ];
    app.use((req, res, next) => {
      if (req.path === "/healthz" || req.path === "/readyz") {
        next();
        return;
      }
      const [cert, auth] = guards as [RequestHandler, RequestHandler];
      cert(req, res, (err?: unknown) => (err ? next(err) : auth(req, res, next)));
    });
  }

  let scrapesInFlight = 0;
  app.get("/metrics", async (req, res) => {
    if (deps.maxScrapes > 0 && scrapesInFlight >= deps.maxScrapes) {
      throw new HttpError(503, `too many concurrent scrapes (WEB_MAX_REQUESTS=${deps.maxScrapes})`, {
        "Retry-After": "1",
      });
    }
    scrapesInFlight++;
    try {
      const out = await renderExposition(deps.registry, wantsOpenMetrics(req.get("accept")), deps.families);
      res
        .set("Content-Type", out.contentType)
        .set("Cache-Control", "no-store")
        .set("Vary", "Accept-Encoding");
      if (negotiateEncoding(req.get("accept-encoding")) === "gzip") {
        res.set("Content-Encoding", "gzip").send(gzipParts(out.parts));
      } else {
        res.send(out.body);
      }
    } finally {
      scrapesInFlight--;
    }
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", readinessHandler(deps.statuses, deps.relay));

  // As Prometheus does it: 200 when the new configuration is in effect, 500 when loading failed and
  // the previous one stays (the file is wrong, not the request).
  const adminAccess = { tokens: deps.adminTokens, users: deps.adminUsers ?? [] };
  const admin = requireAdmin(adminAccess, deps.authLimiter);
  app.post("/-/reload", admin, async (_req, res) => {
    const outcome = await deps.reload();
    if (!outcome.ok) throw new HttpError(500, `reload failed, previous configuration kept: ${outcome.error}`);
    res.json({ status: "reloaded", ...outcome });
  });

  app.use("/-/dead-letters", createDeadLetterRouter(deps.deadLetters, admin));

  app.get("/", (req, res) => {
    const page = renderLandingPage({
      version: deps.version,
      now: deps.clock(),
      environments: environmentRows(deps.overviews(), isAdmin(adminAccess, req, res)),
      relay: deps.relay.summary(),
      deadLetterLinks: adminAccess.tokens.length > 0 || adminAccess.users.length > 0,
    });
    res.type("html").set("Cache-Control", "no-store").send(page);
  });

  app.use(notFound);
  app.use(errorHandler((err, message) => deps.logger.error({ err }, message)));
  return app;
}
