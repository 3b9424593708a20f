import express, { type Request, type RequestHandler, type Response, Router } from "express";
import type { RawDeadLetterFilter } from "../relay/dead-letter-filter.js";
import type { DeadLetterAdmin } from "../relay/dead-letter-service.js";
import { DeadLetterFilterError } from "../relay/outbox-errors.js";
import { HttpError } from "./errors.js";

/**
 * `/-/dead-letters`: list (`GET /?environment=&since=&id=&limit=`), show (`GET /:id`, with the
 * payload), replay and purge (`POST /replay`, `POST /purge`, filters as a JSON body or query).
 * Every route passes `adminGuard` first; answers are JSON; a bad filter is 400, an unknown id 404, a
 * damaged outbox 503. Mounted by the HTTP app; `admin` is undefined when the relay is off (404).
 */
export function createDeadLetterRouter(
  admin: DeadLetterAdmin | undefined,
  adminGuard: RequestHandler,
): Router {
  const router = Router();
  router.use(adminGuard);
  router.use((_req, _res, next) => {
    if (!admin) throw new HttpError(404, "the relay is off (no RELAY_TOKENS): there are no dead letters");
    next();
  });
  const body = express.json({ limit: "16kb", strict: true, type: () => true });
  // Errors (a bad filter, a damaged outbox) go to the app's error middleware.
  const on = (handle: (a: DeadLetterAdmin, req: Request, res: Response) => void) => {
    return (req: Request, res: Response) => {
      if (admin) handle(admin, req, res);
    };
  };

  router.get(
    "/",
    on((a, req, res) => {
      res.json(a.list(filterOf(req), req.query.limit ?? 100));
    }),
  );
  router.get(
    "/:id",
    on((a, req, res) => {
      const id = String(req.params.id);
      const found = a.show(id);
      if (!found) throw new HttpError(404, `no dead letter with id ${id}`);
      res.json(found);
    }),
  );
  router.post(
    "/replay",
    body,
    on((a, req, res) => {
      res.json(a.replay(filterOf(req)));
    }),
  );
  router.post(
    "/purge",
    body,
    on((a, req, res) => {
      const all = (req.body as { all?: unknown } | undefined)?.all === true || req.query.all === "true";
      res.json(a.purge(filterOf(req), all));
    }),
  );
  return router;
}

/** Filters from the query string, overridden by a JSON body's fields. */
function filterOf(req: Request): RawDeadLetterFilter {
  const b: unknown = req.body ?? {};
  if (typeof b !== "object" || b === null || Array.isArray(b)) {
    throw new DeadLetterFilterError("the body must be a JSON object of filters");
  }
  const q = req.query as Record<string, unknown>;
  const fromBody = b as Record<string, unknown>;
  const pick = (name: string) => (fromBody[name] !== undefined ? fromBody[name] : q[name]);
  return { environment: pick("environment"), since: pick("since"), id: pick("id") };
}
