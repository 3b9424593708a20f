import type { DynatraceClient } from "./client.js";
import { DynatraceProtocolError } from "./errors.js";
import { parseJsonExactIds } from "./exact-json.js";
import { PROBLEMS_ENDPOINT, PROBLEMS_PAGE_SIZE, PROBLEMS_PATH, problemsEnvelope } from "./problems-v2.js";

/** One event that is evidence of a problem, reduced to what matching an alert needs. */
export interface EventEvidence {
  correlationId: string | undefined;
  title: string | undefined;
  eventType: string | undefined;
  /** The event's properties (array or map form in the answer), bounded. */
  properties: Record<string, string>;
  /** False once the event has ended (its `endTime` set, or its status `CLOSED`). */
  open: boolean;
}

/** A problem of `GET /api/v2/problems`, validated and bounded. */
export interface ProblemSummary {
  problemId: string;
  displayId: string | undefined;
  status: "OPEN" | "CLOSED";
  startTime: number | undefined;
  /** Undefined while open (-1 or null in the answer). */
  endTime: number | undefined;
  evidence: EventEvidence[];
}

/** Largest page Dynatrace serves (`pageSize` max 500). */
/** Pages read at most in one look-up: 10,000 problems; more is not one environment's open set. */
export const MAX_PROBLEM_PAGES = 20;
const MAX_EVIDENCE = 200;
const MAX_PROPERTIES = 120;
const MAX_TEXT = 4096;

/** Which problems to list: their status and the earliest time they may have started or ended. */
export interface ProblemQuery {
  status: "open" | "closed";
  fromMs: number;
}

/**
 * Lists problems with their evidence (`fields=evidenceDetails`), following `nextPageKey` up to
 * {@link MAX_PROBLEM_PAGES} pages (more fails the look-up as `paging_loop`). Every item is
 * validated; an item that is not a problem with a string `problemId` is skipped, a page that is not
 * the documented shape throws {@link DynatraceProtocolError}. Client errors (401, 403, network)
 * propagate as the client raises them.
 */
export async function listProblems(
  client: DynatraceClient,
  query: ProblemQuery,
  signal?: AbortSignal,
): Promise<ProblemSummary[]> {
  const out: ProblemSummary[] = [];
  let next: string | undefined;
  for (let page = 0; page < MAX_PROBLEM_PAGES; page++) {
    const q = new URLSearchParams();
    if (next === undefined) {
      q.set("problemSelector", `status("${query.status}")`);
      q.set("from", String(Math.max(0, Math.floor(query.fromMs))));
      q.set("pageSize", String(PROBLEMS_PAGE_SIZE));
    } else {
      q.set("nextPageKey", next);
    }
    q.set("fields", "evidenceDetails");
    const body = await client.getJson(PROBLEMS_ENDPOINT, PROBLEMS_PATH, q, signal);
    const parsed = parseProblemsPage(body);
    out.push(...parsed.problems);
    if (parsed.nextPageKey === undefined) return out;
    next = parsed.nextPageKey;
  }
  throw new DynatraceProtocolError(
    "paging_loop",
    `problems look-up still had pages after ${MAX_PROBLEM_PAGES} pages`,
  );
}

/** Validates one page of `GET /api/v2/problems` ({@link problemsEnvelope}) and its problems. */
export function parseProblemsPage(body: unknown): { problems: ProblemSummary[]; nextPageKey?: string } {
  const { list, nextPageKey } = problemsEnvelope(body);
  const problems: ProblemSummary[] = [];
  for (const item of list) {
    const p = toProblem(item);
    if (p) problems.push(p);
  }
  return nextPageKey === null ? { problems } : { problems, nextPageKey };
}

function toProblem(item: unknown): ProblemSummary | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
  const r = item as Record<string, unknown>;
  if (typeof r.problemId !== "string" || r.problemId === "" || r.problemId.length > 256) return undefined;
  const end = timeOf(r.endTime);
  const status =
    r.status === "OPEN" || r.status === "CLOSED" ? r.status : end === undefined ? "OPEN" : "CLOSED";
  const details = (r.evidenceDetails as { details?: unknown } | undefined)?.details;
  const evidence = Array.isArray(details)
    ? details.slice(0, MAX_EVIDENCE).flatMap((d) => toEvidence(d) ?? [])
    : [];
  return {
    problemId: r.problemId,
    displayId: text(r.displayId),
    status,
    startTime: timeOf(r.startTime),
    endTime: status === "OPEN" ? undefined : end,
    evidence,
  };
}

function toEvidence(d: unknown): EventEvidence | undefined {
  if (typeof d !== "object" || d === null) return undefined;
  const e = d as Record<string, unknown>;
  if (e.evidenceType !== "EVENT") return undefined;
  const data = (typeof e.data === "object" && e.data !== null ? e.data : {}) as Record<string, unknown>;
  const end = timeOf(data.endTime) ?? timeOf(e.endTime);
  const closed = data.status === "CLOSED" || end !== undefined;
  return {
    correlationId: text(data.correlationId),
    title: text(data.title) ?? text(e.displayName),
    eventType: text(data.eventType) ?? text(e.eventType),
    properties: propertiesOf(data.properties),
    open: !closed,
  };
}

function propertiesOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (k: unknown, v: unknown) => {
    if (typeof k === "string" && typeof v === "string" && Object.keys(out).length < MAX_PROPERTIES) {
      out[k.slice(0, 100)] = v.slice(0, MAX_TEXT);
    }
  };
  if (Array.isArray(raw)) for (const p of raw as { key?: unknown; value?: unknown }[]) put(p?.key, p?.value);
  else if (typeof raw === "object" && raw !== null) for (const [k, v] of Object.entries(raw)) put(k, v);
  return out;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v.slice(0, MAX_TEXT) : undefined;
}

/** A time in ms; -1, null, 0 or anything else not a plausible time means "not set". */
function timeOf(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** What closing a problem established. */
export type CloseResult = "closed" | "already_closed";

/**
 * Closes a problem with a comment (`POST /api/v2/problems/{id}/close`): 200 is `closed`, 204 (it
 * was closed already) `already_closed`. Not retried here (the caller schedules retries); a 404
 * surfaces as the client's {@link DynatraceHttpError}.
 */
export async function closeProblem(
  client: DynatraceClient,
  problemId: string,
  message: string,
  signal?: AbortSignal,
): Promise<CloseResult> {
  const path = `/api/v2/problems/${encodeURIComponent(problemId)}/close`;
  const answer = await client.postJson(
    "v2_problems_close",
    path,
    JSON.stringify({ message: message.slice(0, MAX_TEXT) }),
    signal,
    (t) => (t.trim() === "" ? null : parseJsonExactIds(t)),
  );
  return answer === null ? "already_closed" : "closed";
}
