import express, { type Request, type RequestHandler, type Response, Router } from "express";
import { INTAKE_FORMATS, type IntakeFormat, intakeBodyLimit } from "../relay/intake-formats.js";
import type { Relay } from "../relay/relay-service.js";
import type { FailedAuthLimiter } from "./auth-limiter.js";
import { INTAKE_ANSWERS, sendIntakeAnswer } from "./intake-answers.js";
import { admitRelayRequest } from "./relay-guard.js";

/** The paths of each intake format: Dynatrace's own, and the same under `/e/<environment>/`. */
/** The relay's intake paths by input format (each also under `/e/<environment>`). */
export const ROUTES: readonly { format: IntakeFormat; path: string }[] = [
  { format: "v1", path: "/api/v1/events" },
  { format: "v2", path: "/api/v2/events/ingest" },
  { format: "alertmanager", path: "/api/v1/alertmanager" },
  { format: "grafana", path: "/api/v1/grafana" },
  { format: "native", path: "/api/v1/alarms" },
];

/**
 * The relay's intake endpoints: routing, authentication and answers; the relay parses, maps,
 * dedupes and queues (`Relay.intake`). Errors go to the app's error middleware, which answers
 * each as JSON: 401 without a valid token, 404 for an unknown environment, 415 for a non-JSON
 * body, 413 over the body limit (1 MiB, Alertmanager's and Grafana's configurable), 400 with the failing field
 * paths, 503 with Retry-After when the outbox cannot take the alarms. 2xx only once on disk.
 */
export function createRelayRouter(relay: Relay, limiter: FailedAuthLimiter): Router {
  const router = Router();
  for (const { format, path } of ROUTES) {
    router.post([path, `/e/:environment${path}`], intakeHandler(format, relay, limiter));
  }
  return router;
}

/** One format's handler: admit the request (auth, target, body), hand the body to the relay, answer. */
function intakeHandler(format: IntakeFormat, relay: Relay, limiter: FailedAuthLimiter) {
  const readBody = jsonBodyReader(intakeBodyLimit(format, relay.config));
  const source = INTAKE_FORMATS[format].source;
  return async (req: Request, res: Response) => {
    const environment = await admitRelayRequest(relay, source, limiter, req, res, readBody);
    const idempotencyKey = req.get("idempotency-key");
    const receipt = await relay.intake(format, req.body, {
      environment,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    sendIntakeAnswer(res, INTAKE_ANSWERS[format](receipt));
  };
}

/** express's JSON parser as a promise: resolves once `req.body` is read, rejects with its 4xx. */
function jsonBodyReader(limit: number) {
  // Not strict: a body of `null` or `42` is valid JSON, and the format's schema says what it lacks
  // ("expected object") where strict parsing would call it invalid JSON.
  const parse: RequestHandler = express.json({ limit, strict: false, type: () => true });
  return (req: Request, res: Response) =>
    new Promise<void>((resolve, reject) => {
      void parse(req, res, (err?: unknown) => {
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error("the request body could not be read"));
      });
    });
}
