import type { DynatraceClient } from "./client.js";
import { DynatraceProtocolError } from "./errors.js";
import { statedCount } from "./events-v1.js";
import { labelValue, MAX_KEY_LENGTH, timeMs } from "./feed-event.js";
import { type ItemDimensions, itemDimensions } from "./item-dimensions.js";
import { DEFAULT_MAX_PAGES, PageBudget, SeenTokens } from "./paging-limit.js";

/** The documented problem severity levels, the worst first (new ones may appear). */
export const SEVERITY_LEVELS: readonly string[] = [
  "AVAILABILITY",
  "ERROR",
  "PERFORMANCE",
  "RESOURCE_CONTENTION",
  "CUSTOM_ALERT",
  "MONITORING_UNAVAILABLE",
  "INFO",
];

/** Endpoint name used in `dynatrace_api_requests_total{endpoint}`. */
export const PROBLEMS_ENDPOINT = "v2_problems";

/** The Problems API's largest page. */
export const PROBLEMS_PAGE_SIZE = 500;

/** The Problems API v2 list path. */
export const PROBLEMS_PATH = "/api/v2/problems";
const MAX_PAGE_KEY_LENGTH = 8192;

/** One problem reduced to what the exporter counts; label values are safe to export. */
export interface FeedProblem {
  id: string;
  severityLevel: string;
  impactLevel: string;
  open: boolean;
  startTime: number;
  /** -1 while open. */
  endTime: number;
  /** Zones, entity type and tags, read only when asked for (opt-in labels). */
  dimensions?: ItemDimensions;
}

/** One parsed page of `GET /api/v2/problems`. */
export interface ProblemsPage {
  problems: FeedProblem[];
  /** Items without a usable id or start time; skipped, not fatal. */
  skipped: number;
  totalCount: number | undefined;
  nextPageKey: string | null;
}

/** One read of the problems: a timeframe, optionally only open problems. */
export interface ProblemsQuery {
  from: number;
  to: number;
  onlyOpen?: boolean;
  /** Read zones, entity type and tags of each problem. */
  dimensions?: boolean;
  maxPages?: number | undefined;
}

function toProblem(raw: Record<string, unknown>, dims: boolean): FeedProblem | undefined {
  const id = raw.problemId;
  if (typeof id !== "string" || id === "" || id.length > MAX_KEY_LENGTH) return undefined;
  const startTime = timeMs(raw.startTime);
  if (startTime === undefined || startTime < 0) return undefined;
  const end = timeMs(raw.endTime);
  const open = raw.status === "OPEN" || (raw.status !== "CLOSED" && (end === undefined || end < 0));
  const p: FeedProblem = {
    id,
    severityLevel: labelValue(raw.severityLevel),
    impactLevel: labelValue(raw.impactLevel),
    open,
    startTime,
    endTime: open || end === undefined || end < 0 ? -1 : end,
  };
  if (!open && p.endTime === -1) p.endTime = startTime;
  if (dims) p.dimensions = itemDimensions(raw);
  return p;
}

/**
 * Validates and reduces a problems response. A closed problem without a usable end counts as
 * ended at its start. A body that is not the documented shape throws a {@link DynatraceProtocolError}.
 */
export function parseProblemsPage(body: unknown, dimensions = false): ProblemsPage {
  const { list, nextPageKey, totalCount } = problemsEnvelope(body);
  const problems: FeedProblem[] = [];
  let skipped = 0;
  for (const item of list) {
    const p =
      typeof item === "object" && item !== null && !Array.isArray(item)
        ? toProblem(item as Record<string, unknown>, dimensions)
        : undefined;
    if (p === undefined) skipped++;
    else problems.push(p);
  }
  return { problems, skipped, totalCount, nextPageKey };
}

/**
 * The envelope of a `GET /api/v2/problems` answer, checked: its `problems` array (items not yet
 * validated), its `nextPageKey` (null on the last page; longer than 8 KiB throws) and its stated
 * `totalCount`. A body without the array throws a `malformed_response` {@link DynatraceProtocolError}.
 */
export function problemsEnvelope(body: unknown): {
  list: unknown[];
  nextPageKey: string | null;
  totalCount: number | undefined;
} {
  const list =
    typeof body === "object" && body !== null ? (body as { problems?: unknown }).problems : undefined;
  if (!Array.isArray(list)) {
    throw new DynatraceProtocolError("malformed_response", "v2 problems response has no problems array");
  }
  const b = body as Record<string, unknown>;
  const key = b.nextPageKey;
  const next = typeof key === "string" && key !== "" ? key : null;
  if (next !== null && next.length > MAX_PAGE_KEY_LENGTH) {
    throw new DynatraceProtocolError(
      "malformed_response",
      `v2 problems nextPageKey is ${next.length} characters long`,
    );
  }
  return { list: list as unknown[], nextPageKey: next, totalCount: statedCount(b.totalCount) };
}

/**
 * Reads every page of `GET /api/v2/problems` for `query` with `pageSize` 500, following
 * `nextPageKey` (sent alone, as the API requires). A repeated key, or more pages than
 * `totalCount` or `maxPages` allows, ends the read with a `paging_loop` error.
 */
export async function* readProblems(
  client: DynatraceClient,
  query: ProblemsQuery,
  signal?: AbortSignal,
): AsyncGenerator<ProblemsPage> {
  let params = new URLSearchParams({
    from: String(query.from),
    to: String(query.to),
    pageSize: String(PROBLEMS_PAGE_SIZE),
  });
  if (query.onlyOpen) params.set("problemSelector", 'status("open")');
  const seen = new SeenTokens();
  let budget: PageBudget | undefined;
  for (let pageNo = 1; ; pageNo++) {
    const page = parseProblemsPage(
      await client.getJson(PROBLEMS_ENDPOINT, PROBLEMS_PATH, params, signal, JSON.parse),
      query.dimensions ?? false,
    );
    budget ??= new PageBudget("v2 problems", query.maxPages ?? DEFAULT_MAX_PAGES, {
      name: "totalCount",
      count: page.totalCount,
      perPage: PROBLEMS_PAGE_SIZE,
    });
    yield page;
    const key = page.nextPageKey;
    if (key === null) return;
    if (!seen.add(key)) {
      throw new DynatraceProtocolError(
        "paging_loop",
        "v2 problems repeated a page key; giving up this drain",
      );
    }
    budget.check(pageNo + 1);
    params = new URLSearchParams({ nextPageKey: key });
  }
}
