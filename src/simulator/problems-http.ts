import type { IncomingMessage } from "node:http";
import { closeComment, problemToJson } from "./problem-json.js";
import {
  compareProblems,
  decodePageKey,
  encodePageKey,
  firstProblemQuery,
  inTimeframe,
  type OpenProblemsBeforeFrom,
  parseProblemSelector,
} from "./problem-query.js";
import type { SimProblems } from "./problems.js";
import { BadRequest } from "./v1-feed.js";

/** The Problems API v2 path prefix. */
export const PROBLEMS_PATH = "/api/v2/problems";

/** An answer to write: status and JSON text (empty for 204). */
export interface ProblemsAnswer {
  status: number;
  body: string;
}

function error(status: number, message: string): ProblemsAnswer {
  return { status, body: JSON.stringify({ error: { code: status, message, constraintViolations: null } }) };
}

function fieldsOf(params: URLSearchParams) {
  const fields = params.getAll("fields").flatMap((f) => f.split(",").map((x) => x.trim()));
  return {
    evidenceDetails: fields.includes("evidenceDetails"),
    recentComments: fields.includes("recentComments"),
  };
}

/** Whether `(method, path)` is a Problems API v2 route this simulator serves. */
export function isProblemsRoute(method: string, path: string): boolean {
  if (method === "GET") return path === PROBLEMS_PATH || /^\/api\/v2\/problems\/[^/]+$/.test(path);
  return method === "POST" && /^\/api\/v2\/problems\/[^/]+\/close$/.test(path);
}

/**
 * Serves the Problems API v2 over {@link SimProblems}: the paged list (`pageSize` 50 by default,
 * 500 at most, `nextPageKey` alone or with `fields`, `problemSelector`), one problem by id, and
 * close. Token scopes are checked here: `problems.read` for GETs, `problems.write` for close.
 */
export class ProblemsEndpoints {
  constructor(
    private readonly problems: SimProblems,
    private readonly options: { openProblemsBeforeFrom: OpenProblemsBeforeFrom; listDelayMs: number },
  ) {}

  /** Answers one request to a route {@link isProblemsRoute} accepted. */
  async handle(
    req: IncomingMessage,
    path: string,
    params: URLSearchParams,
    now: number,
    scopes: ReadonlySet<string>,
    author: string,
  ): Promise<ProblemsAnswer> {
    const scope = req.method === "POST" ? "problems.write" : "problems.read";
    if (!scopes.has(scope)) return error(403, `Token is missing required scope: ${scope}.`);
    try {
      if (path === PROBLEMS_PATH) return this.list(params, now);
      const id = decodeURIComponent((path.split("/")[4] as string) ?? "");
      if (req.method === "GET") return this.one(id);
      return this.close(id, await readJson(req), author);
    } catch (err) {
      if (err instanceof BadRequest) return error(400, err.message);
      throw err;
    }
  }

  private list(params: URLSearchParams, now: number): ProblemsAnswer {
    const keyText = params.get("nextPageKey");
    if (keyText !== null && [...params.keys()].some((k) => k !== "nextPageKey" && k !== "fields")) {
      throw new BadRequest("If nextPageKey is set, no other query parameter but fields may be set.");
    }
    const q = keyText === null ? firstProblemQuery(params, now) : decodePageKey(keyText);
    const matches = parseProblemSelector(q.selector);
    const raisedBy = now - this.options.listDelayMs;
    const matching = this.problems
      .all()
      .filter(
        (p) =>
          p.startTime <= raisedBy && inTimeframe(p, q, this.options.openProblemsBeforeFrom) && matches(p),
      )
      .sort(compareProblems);
    const start =
      q.after === undefined ? 0 : matching.findIndex((p) => compareProblems(p, q.after as typeof p) > 0);
    const from = start < 0 ? matching.length : start;
    const page = matching.slice(from, from + q.pageSize);
    const last = page[page.length - 1];
    const more = last !== undefined && from + q.pageSize < matching.length;
    const next = more
      ? encodePageKey({ ...q, after: { startTime: last.startTime, problemId: last.problemId } })
      : null;
    const fields = fieldsOf(params);
    return {
      status: 200,
      body: JSON.stringify({
        totalCount: matching.length,
        pageSize: q.pageSize,
        nextPageKey: next,
        problems: page.map((p) => problemToJson(p, fields, this.problems.closes)),
      }),
    };
  }

  private one(id: string): ProblemsAnswer {
    const p = this.problems.get(id);
    if (!p) return error(404, `The problem ${id} does not exist.`);
    const body = problemToJson(p, { evidenceDetails: true, recentComments: true }, this.problems.closes);
    return { status: 200, body: JSON.stringify(body) };
  }

  private close(id: string, body: unknown, author: string): ProblemsAnswer {
    const message = (body as { message?: unknown } | null)?.message;
    if (typeof message !== "string" || message.trim() === "") {
      throw new BadRequest("The property 'message' must not be null or empty.");
    }
    const result = this.problems.close(id, message, author);
    if (result === undefined) return error(404, `The problem ${id} does not exist.`);
    if (result === "already-closed") return { status: 204, body: "" };
    return {
      status: 200,
      body: JSON.stringify({
        problemId: id,
        closing: true,
        closeTimestamp: result.at,
        comment: closeComment(result),
      }),
    };
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new BadRequest("The request body is larger than 1 MB.");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BadRequest("Could not parse the request body as JSON.");
  }
}
