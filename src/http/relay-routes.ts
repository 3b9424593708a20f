import express, { type NextFunction, type Request, type Response, Router } from "express";
import type { Logger } from "../log/logger.js";
import type { InputSource, MappingDefaults, OutboundAlarm } from "../relay/alarm.js";
import { toOutbound } from "../relay/outbound.js";
import { OutboxUnavailableError } from "../relay/outbox.js";
import { parseAlertmanager, type RejectedAlert } from "../relay/parse-alertmanager.js";
import { parseNativeAlarm } from "../relay/parse-native.js";
import { parseV1Push } from "../relay/parse-v1.js";
import { parseV2Ingest, v2ToV1 } from "../relay/parse-v2.js";
import type { Relay } from "../relay/relay-service.js";
import { InvalidAlarmError } from "../relay/validation-error.js";
import { errorBody } from "./errors.js";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { batchAnswer, logRejects, noneRelayable } from "./alertmanager-answer.js";
import { relayGuard, targetEnvironment } from "./relay-guard.js";

/** Dynatrace's own limit on request bodies (Alertmanager's is RELAY_ALERTMANAGER_MAX_BODY). */
const BODY_LIMIT = 1024 * 1024;

/** What a route's parser made of a body: alarms to queue, and alerts it could not use. */
interface Parsed {
  alarms: OutboundAlarm[];
  rejected?: RejectedAlert[];
}

interface RouteSpec {
  paths: string[];
  source: InputSource;
  bodyLimit?: (relay: Relay) => number;
  parse: (body: unknown, req: Request, relay: Relay, defaults: MappingDefaults) => Parsed | OutboundAlarm[];
  answer: (
    res: Response,
    r: { accepted: number; duplicates: number },
    alarms: OutboundAlarm[],
    rejected: RejectedAlert[],
  ) => void;
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
    // Alertmanager sends whatever its group holds, and never retries a 4xx: a large limit, and a
    // 2xx for every notification of which at least one alert is stored (the rejects listed).
    bodyLimit: (relay) => relay.config.alertmanagerMaxBodyBytes,
    parse: (body, _req, relay, defaults) => {
      const batch = parseAlertmanager(body, defaults);
      return {
        alarms: batch.alarms.map((a) => toOutbound(a, relay.config.apiVersion)),
        rejected: batch.rejected,
      };
    },
    answer: (res, r, _alarms, rejected) => {
      sendJson(res, 202, batchAnswer(r, rejected));
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
 * environment, 415 for a non-JSON body, 413 over the body limit (1 MB, Alertmanager's
 * configurable), 400 with the failing field paths, 503 with Retry-After when the outbox cannot take
 * the alarms; 2xx only once the alarms are on disk.
 */
export function createRelayRouter(relay: Relay, limiter: FailedAuthLimiter, logger?: Logger): Router {
  const router = Router();
  for (const spec of ROUTES) {
    const limit = spec.bodyLimit?.(relay) ?? BODY_LIMIT;
    const json = express.json({ limit, strict: true, type: () => true });
    router.post(spec.paths, relayGuard(relay, spec.source, limiter), json, intake(spec, relay, logger));
  }
  router.use(countRejections(relay));
  return router;
}

/**
 * One route's handler: parse, report rejects (counted per alarm, logged once per request), then
 * queue. 400 when nothing is valid, 503 when the outbox refuses, the route's 2xx once stored.
 */
function intake(spec: RouteSpec, relay: Relay, logger: Logger | undefined) {
  return async (req: Request, res: Response) => {
    const environment = targetEnvironment(relay, req);
    const parsed = parseOrRefuse(spec, req, res, relay, environment);
    if (!parsed) return;
    const { alarms } = parsed;
    const rejected = parsed.rejected ?? [];
    if (rejected.length > 0) {
      relay.rejected(spec.source, environment, rejected.length);
      logger?.warn(logRejects(environment, alarms.length, rejected), "alerts of a notification rejected");
    }
    if (alarms.length === 0) {
      res.status(400).json(noneRelayable(rejected));
      return;
    }
    const source = alarms[0]?.source ?? spec.source;
    try {
      const { accepted, duplicates } = await relay.accept(environment, source, alarms);
      spec.answer(res, { accepted, duplicates }, alarms, rejected);
    } catch (err) {
      if (!(err instanceof OutboxUnavailableError)) throw err;
      res.status(503).set("Retry-After", "30").json(errorBody(503, err.message));
    }
  };
}

/** The route's parse of the body, or undefined after answering 400 for an invalid one. */
function parseOrRefuse(
  spec: RouteSpec,
  req: Request,
  res: Response,
  relay: Relay,
  environment: string,
): Parsed | undefined {
  try {
    const out = spec.parse(req.body, req, relay, relay.defaultsFor(environment));
    return Array.isArray(out) ? { alarms: out } : out;
  } catch (err) {
    if (!(err instanceof InvalidAlarmError)) throw err;
    relay.rejected(spec.source, environment);
    res.status(400).json(invalidBody(err));
    return undefined;
  }
}

/** The 400 answer to a body that is not a valid alarm, in Dynatrace's error shape. */
function invalidBody(err: InvalidAlarmError) {
  return {
    error: {
      code: 400,
      message: err.message,
      constraintViolations: err.violations.map((v) => ({ ...v, parameterLocation: "PAYLOAD_BODY" })),
    },
  };
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

function countRejections(relay: Relay) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const source = res.locals.relaySource as InputSource | undefined;
    const environment = (res.locals.relayEnvironment as string | undefined) ?? "unknown";
    if (source) relay.rejected(source, environment);
    next(err);
  };
}
