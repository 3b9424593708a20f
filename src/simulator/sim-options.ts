import type { RefreshMatch } from "./event-life.js";
import type { OpenProblemsBeforeFrom } from "./problem-query.js";
import type { TimeFilter } from "./sim-store.js";
import type { V1FeedOptions } from "./v1-feed.js";
import type { OpenEndTime } from "./v2-feed.js";

/** Settings of a simulated environment; all have defaults. */
export interface SimulatorOptions {
  token?: string;
  environmentId?: string;
  seed?: number;
  clock?: () => number;
  paging?: V1FeedOptions["paging"];
  withIdField?: boolean;
  timeFilter?: TimeFilter;
  pageSize?: number;
  eventsPerMinute?: number;
  /**
   * Keep rendered feed pages, keyed by query string and store version, so that a benchmark
   * measures the client rather than the simulator's own serialisation. Memory grows with pages.
   */
  cachePages?: boolean;
  /** Answer pushes and ingests after this long, like a tenant reached over the internet. */
  pushLatencyMs?: number;
  /** How the v2 feed writes an open event's `endTime` (default `null`, as the spec says). */
  v2OpenEndTime?: OpenEndTime;
  /** Answer each feed page (v1 and v2 `GET`) after this long (see feed-load.ts). */
  feedLatencyMs?: number;
  /** Scopes the token has (default {@link ALL_SCOPES}); problems routes answer 403 without theirs. */
  tokenScopes?: readonly string[];
  /** Which resends refresh an open problem-opening event (default `payload`). */
  refreshMatch?: RefreshMatch;
  /** Whether a resend with `endTime` <= now ends the open event it matches (default false: unverified). */
  endTimeCloses?: boolean;
  /** Whether the problems list returns open problems that started before `from` (default `excluded`). */
  openProblemsBeforeFrom?: OpenProblemsBeforeFrom;
  /**
   * How long after it opened a problem first shows in the problems list, on the simulator's clock
   * (default 0). Davis takes a while to raise a problem from an ingested event.
   */
  problemListDelayMs?: number;
}

/** Every scope a default token has. */
export const ALL_SCOPES: readonly string[] = [
  "DataExport",
  "events.read",
  "events.ingest",
  "problems.read",
  "problems.write",
];

/** One request the simulator answered (or dropped), for tests that count API calls. */
export interface RequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number | "reset" | "hang";
  authorization: string | undefined;
}

/** The API paths the simulator serves (besides the Problems API's). */
export const FEED_PATH = "/api/v1/events";
export const V2_FEED_PATH = "/api/v2/events";
export const INGEST_PATH = "/api/v2/events/ingest";
