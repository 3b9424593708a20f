import type { SimProblem } from "./problems.js";
import { BadRequest } from "./v1-feed.js";
import { parseTime, splitTop, unquote } from "./api-params.js";

/**
 * Whether `GET /api/v2/problems` returns a problem still open that started before `from` (the docs
 * say "included if start or end within the timeframe"; what that means for an open one is unclear).
 */
export type OpenProblemsBeforeFrom = "included" | "excluded";

/** One criterion of a `problemSelector`: the problem matches when the test holds. */
type Criterion = (p: SimProblem) => boolean;

/** A parsed first-page query, also what a `nextPageKey` encodes (with the position reached). */
export interface ProblemQuery {
  from: number;
  to: number;
  selector: string | null;
  pageSize: number;
  after?: { startTime: number; problemId: string };
}

function criterion(name: string, values: string[]): Criterion {
  const upper = values.map((v) => v.toUpperCase());
  switch (name) {
    case "status":
      if (upper.some((v) => v !== "OPEN" && v !== "CLOSED")) {
        throw new BadRequest(`status(...) takes "open" or "closed", got ${values.join(",")}.`);
      }
      return (p) => upper.includes(p.status);
    case "severityLevel":
      return (p) => upper.includes(p.severityLevel);
    case "impactLevel":
      return (p) => upper.includes(p.impactLevel);
    case "managementZones":
      return (p) => p.managementZones.some((z) => values.includes(z.name));
    case "managementZoneIds":
      return (p) => p.managementZones.some((z) => values.includes(z.id));
    default:
      throw new BadRequest(`The problemSelector criterion '${name}' is not supported.`);
  }
}

/** Parses a `problemSelector` into one predicate (criteria AND-ed, values within one OR-ed). */
export function parseProblemSelector(selector: string | null): Criterion {
  if (selector === null || selector.trim() === "") return () => true;
  const criteria = splitTop(selector).map((part) => {
    const m = /^([A-Za-z]+)\((.*)\)$/s.exec(part);
    if (!m) throw new BadRequest(`The problemSelector part '${part}' is malformed.`);
    const values = splitTop(m[2] as string).map(unquote);
    if (values.length === 0) throw new BadRequest(`The problemSelector criterion '${m[1]}' has no value.`);
    return criterion(m[1] as string, values);
  });
  return (p) => criteria.every((c) => c(p));
}

/** Reads the query of a first page (no `nextPageKey`). */
export function firstProblemQuery(params: URLSearchParams, now: number): ProblemQuery {
  const sizeText = params.get("pageSize");
  const pageSize = sizeText === null ? 50 : Number(sizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) {
    throw new BadRequest("Parameter 'pageSize' must be an integer between 1 and 500.");
  }
  if (params.has("entitySelector")) throw new BadRequest("The simulator does not support entitySelector.");
  const to = parseTime(params.get("to"), now, "to") ?? now;
  const from = parseTime(params.get("from"), now, "from") ?? now - 2 * 3_600_000;
  if (from > to) throw new BadRequest("'from' must not be after 'to'.");
  const selector = params.get("problemSelector");
  parseProblemSelector(selector);
  return { from, to, selector, pageSize };
}

/** Encodes a query and the position reached as an opaque `nextPageKey`. */
export function encodePageKey(q: ProblemQuery): string {
  return Buffer.from(JSON.stringify(q)).toString("base64url");
}

/** Decodes a `nextPageKey`; 400 when it is not one this simulator handed out. */
export function decodePageKey(text: string): ProblemQuery {
  try {
    const q = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as ProblemQuery;
    if (typeof q.from !== "number" || typeof q.to !== "number" || typeof q.pageSize !== "number") {
      throw new Error("not a key");
    }
    return q;
  } catch {
    throw new BadRequest("The nextPageKey is invalid.");
  }
}

/** Whether a problem falls in [from, to] under the chosen reading for long-open problems. */
export function inTimeframe(p: SimProblem, q: ProblemQuery, openBefore: OpenProblemsBeforeFrom): boolean {
  if (p.startTime >= q.from && p.startTime <= q.to) return true;
  if (p.endTime !== -1 && p.endTime >= q.from && p.endTime <= q.to) return true;
  return openBefore === "included" && p.endTime === -1 && p.startTime < q.from;
}

/** Newest first, ties by id descending: the order pages are served in. */
export function compareProblems(a: { startTime: number; problemId: string }, b: typeof a): number {
  if (a.startTime !== b.startTime) return b.startTime - a.startTime;
  return a.problemId === b.problemId ? 0 : a.problemId < b.problemId ? 1 : -1;
}
