import express, { type Express } from "express";
import helmet from "helmet";
import type { Registry } from "prom-client";
import type { DrainStatus } from "../feed/drainer.js";
import type { Logger } from "../log/logger.js";
import { renderExposition, wantsOpenMetrics } from "../metrics/exposition.js";
import type { TextFamily } from "../metrics/text-family.js";
import { errorBody, errorHandler, notFound } from "./errors.js";
import { renderLandingPage } from "./landing-page.js";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { createRelayRouter } from "./relay-routes.js";
import { requireAdmin } from "./admin-auth.js";
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
  relay: Relay;
  authLimiter: FailedAuthLimiter;
  /** Re-reads the configuration (POST /-/reload). */
  reload: () => Promise<{ ok: true } | { ok: false; error: string }>;
  /** Bearer tokens of the admin endpoints (ADMIN_TOKENS); empty turns them off. */
  adminTokens: readonly string[];
  /** The dead-letter table (`/-/dead-letters`); undefined when the relay is off. */
  deadLetters?: DeadLetterAdmin;
}

/**
 * The exporter's express app: `/metrics`, `/healthz`, `/readyz` and the landing page. Scrapes
 * only read what the drains left in memory; they never wait for a drain or call the API.
 */
export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  // First: the intake is the hot path, and it needs neither helmet's page headers nor a walk past
  // the other routes.
  app.use(createRelayRouter(deps.relay, deps.authLimiter));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { "default-src": ["'none'"], "style-src": ["'unsafe-inline'"] },
      },
    }),
  );

  app.get("/metrics", async (req, res) => {
    const out = await renderExposition(deps.registry, wantsOpenMetrics(req.get("accept")), deps.families);
    res.set("Content-Type", out.contentType).set("Cache-Control", "no-store").send(out.body);
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", (_req, res) => {
    const environments = deps.statuses().map((s) => ({
      environment: s.environment,
      ready: s.succeededOnce,
      lastError: s.lastError ? { reason: s.lastError.reason, message: s.lastError.message } : null,
    }));
    const waiting = environments.filter((e) => !e.ready).map((e) => e.environment);
    if (waiting.length > 0) {
      res.status(503).json({
        status: "not ready",
        reason: `first drain has not yet succeeded for: ${waiting.join(", ")}`,
        environments,
      });
      return;
    }
    res.json({ status: "ready", environments });
  });

  // As Prometheus does it: 200 when the new configuration is in effect, 500 when loading failed and
  // the previous one stays (the file is wrong, not the request).
  app.post("/-/reload", requireAdmin(deps.adminTokens), async (_req, res) => {
    const outcome = await deps.reload();
    if (outcome.ok) res.json({ status: "reloaded", ...outcome });
    else res.status(500).json(errorBody(500, `reload failed, previous configuration kept: ${outcome.error}`));
  });

  app.use("/-/dead-letters", createDeadLetterRouter(deps.deadLetters, deps.adminTokens, deps.logger));

  app.get("/", (_req, res) => {
    res.type("html").send(renderLandingPage(deps.version, deps.statuses(), deps.relay.summary()));
  });

  app.use(notFound);
  app.use(errorHandler((err) => deps.logger.error({ err }, "unhandled error in HTTP handler")));
  return app;
}
