import express, { type NextFunction, type Request, type Response, Router } from "express";
import type { InputSource, MappingDefaults, OutboundAlarm } from "../relay/alarm.js";
import { toOutbound } from "../relay/outbound.js";
import { OutboxUnavailableError } from "../relay/outbox.js";
import { parseAlertmanager } from "../relay/parse-alertmanager.js";
import { parseNativeAlarm } from "../relay/parse-native.js";
import { parseV1Push } from "../relay/parse-v1.js";
import { parseV2Ingest, v2ToV1 } from "../relay/parse-v2.js";
import type { Relay } from "../relay/relay-service.js";
import { InvalidAlarmError } from "../relay/validation-error.js";
import { errorBody, HttpError } from "./errors.js";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { credentialOf, matchesToken } from "./relay-auth.js";

/** Dynatrace's own limit on request bodies. */
const BODY_LIMIT = "1mb";

interface RouteSpec {
  paths: string[];
  source: InputSource;
  parse: (body: unknown, req: Request, relay: Relay, defaults: MappingDefaults) => OutboundAlarm[];
  answer: (res: Response, r: { accepted: number; duplicates: number }, alarms: OutboundAlarm[]) => void;
}

const ROUTES: RouteSpec[] = [
  {
    paths: ["/api/v1/events", "/e/:environment/api/v1/events"],
    source: "v1",
    parse: (body, req, relay) => [
      toOutbound(parseV1Push(body, req.get("idempotency-key")), relay.config.apiVersion),
    ],
    // netdata counts only a 200 as success; the ids are Dynatrace's to give, after delivery.
    answer: (res, r) => {
      sendJson(res, 200, { storedEventIds: [], storedIds: [], storedCorrelationIds: [], relay: r });
    },
  },
  {
    paths: ["/api/v2/events/ingest", "/e/:environment/api/v2/events/ingest"],
    source: "v2",
    parse: (body, req, relay, defaults) => {
      const { event, key } = parseV2Ingest(body, req.get("idempotency-key"));
      if (relay.config.apiVersion === "v2") return [{ source: "v2", dedupeKey: key, api: "v2", body: event }];
      return [toOutbound(v2ToV1(event, key, defaults), "v1")];
    },
    // The v2 answer shape; correlation ids are Dynatrace's to give, after delivery.
    answer: (res, _r, alarms) => {
      sendJson(res, 201, {
        reportCount: alarms.length,
        eventIngestResults: alarms.map(() => ({ correlationId: null, status: "OK" })),
      });
    },
  },
  {
    paths: ["/api/v1/alertmanager", "/e/:environment/api/v1/alertmanager"],
    source: "alertmanager",
    parse: (body, _req, relay, defaults) =>
      parseAlertmanager(body, defaults).map((a) => toOutbound(a, relay.config.apiVersion)),
    answer: (res, r) => {
      sendJson(res, 202, r);
    },
  },
  {
    paths: ["/api/v1/alarms", "/e/:environment/api/v1/alarms"],
    source: "native",
    parse: (body, req, relay, defaults) => {
      const a = parseNativeAlarm(body, defaults);
      const key = req.get("idempotency-key");
      return [toOutbound(key ? { ...a, dedupeKey: `key:${key}` } : a, relay.config.apiVersion)];
    },
    answer: (res, r) => {
      sendJson(res, 202, r);
    },
  },
];

/**
 * The relay's intake endpoints. Every answer is JSON: 401 without a valid token, 404 for an unknown
 * environment, 415 for a non-JSON body, 413 over 1 MB, 400 with the failing field paths, 503 with
 * Retry-After when the outbox cannot take the alarm; 2xx only once the alarm is on disk.
 */
export function createRelayRouter(relay: Relay, limiter: FailedAuthLimiter): Router {
  const router = Router();
  const json = express.json({ limit: BODY_LIMIT, strict: true, type: () => true });
  for (const spec of ROUTES) {
    router.post(spec.paths, guard(relay, spec.source, limiter), json, async (req, res) => {
      const environment = targetEnvironment(relay, req);
      let alarms: OutboundAlarm[];
      try {
        alarms = spec.parse(req.body, req, relay, relay.defaultsFor(environment));
      } catch (err) {
        if (!(err instanceof InvalidAlarmError)) throw err;
        relay.rejected(spec.source, environment);
        res.status(400).json({
          error: {
            code: 400,
            message: err.message,
            constraintViolations: err.violations.map((v) => ({ ...v, parameterLocation: "PAYLOAD_BODY" })),
          },
        });
        return;
      }
      const source = alarms[0]?.source ?? spec.source;
      try {
        const { accepted, duplicates } = await relay.accept(environment, source, alarms);
        spec.answer(res, { accepted, duplicates }, alarms);
      } catch (err) {
        if (!(err instanceof OutboxUnavailableError)) throw err;
        res.status(503).set("Retry-After", "30").json(errorBody(503, err.message));
      }
    });
  }
  router.use(countRejections(relay));
  return router;
}

/**
 * Writes a JSON answer straight to the socket. The intake is the relay's hot path: express's
 * `res.json` (content negotiation, freshness checks) costs more than the rest of the answer.
 */
function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Auth (with per-address limiting of failures), environment and content-type checks, before the body is read. */
function guard(relay: Relay, source: InputSource, limiter: FailedAuthLimiter) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.relaySource = source;
    // The relay answers only JSON to programs; of helmet's headers (mounted after the relay for
    // speed) these two are the ones that matter for such answers.
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("cache-control", "no-store");
    if (!relay.enabled) {
      throw new HttpError(
        401,
        "the relay is not configured: set RELAY_TOKENS (or RELAY_ALLOW_ANONYMOUS=true)",
      );
    }
    const address = req.socket.remoteAddress ?? "unknown";
    const wait = limiter.blockedFor(address);
    if (wait > 0) {
      res.set("Retry-After", String(wait));
      throw new HttpError(429, "too many failed authentication attempts from this address; try again later");
    }
    if (
      !relay.config.allowAnonymous &&
      !matchesToken(credentialOf(req.get("authorization")), relay.config.tokens)
    ) {
      limiter.recordFailure(address);
      relay.authFailed();
      res.set("WWW-Authenticate", 'Bearer realm="dynatrace-events-exporter relay"');
      throw new HttpError(401, "missing or invalid relay token (send Authorization: Bearer <token>)");
    }
    res.locals.relayEnvironment = targetEnvironment(relay, req);
    if (!req.is(["application/json", "application/*+json"])) {
      throw new HttpError(
        415,
        `Content-Type must be application/json (got ${req.get("content-type") ?? "none"})`,
      );
    }
    next();
  };
}

function targetEnvironment(relay: Relay, req: Request): string {
  const wanted: unknown = req.params.environment;
  if (typeof wanted !== "string") return relay.environments[0] as string;
  if (!relay.environments.includes(wanted)) {
    throw new HttpError(
      404,
      `unknown environment "${wanted}" (configured: ${relay.environments.join(", ")})`,
    );
  }
  return wanted;
}

function countRejections(relay: Relay) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const source = res.locals.relaySource as InputSource | undefined;
    const environment = (res.locals.relayEnvironment as string | undefined) ?? "unknown";
    if (source) relay.rejected(source, environment);
    next(err);
  };
}
