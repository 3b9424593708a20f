import { KNOWN_EVENT_TYPES } from "./event-categories.js";
import { parseV1Page, V1_PAGE_SIZE, type V1Page } from "./events-v1.js";
import type { FeedEvent, SkipCounts } from "./feed-event.js";

/** Longest filter value taken from a page (entity ids are ~30 characters, types ~40). */
const MAX_FILTER_LENGTH = 256;

/** One answer of a filtered query: its page, and the raw event types and entity ids on it. */
interface Answer {
  page: V1Page;
  types: string[];
  entities: string[];
}

/**
 * Reads one millisecond that a legacy v1 server (no `nextCursor`) cannot page past: it holds more
 * than 150 events, and the only continuation, `to=nextEventStartTms`, asks for that same
 * millisecond again. Uses documented parameters only: the millisecond alone (`from` = `to`),
 * split by `eventType` (the types seen, then every known type until the counts add up to the
 * millisecond's `totalEventCount`), and a type still over 150 split by `entityId` (the entities
 * its first page shows). Every page read is yielded. What no filter reaches is counted, never
 * guessed: a single entity's events of one type beyond 150 in that millisecond, entities hidden
 * behind a type's first 150, and types the exporter does not know; the last page yielded then
 * carries that count in `unreadable`, keyed by the millisecond (a sliced read may read the same
 * millisecond twice: the drain counts each millisecond once). `spend` is called before each request (it
 * throws when the read's allowance is used up). Each event is yielded once (`seen`).
 */
export async function* readMillisecond(
  fetchBody: (params: URLSearchParams) => Promise<unknown>,
  base: URLSearchParams,
  ms: number,
  spend: () => void,
  /** Keys of the millisecond's events already yielded (the chain's last page): not again. */
  seen: Set<string>,
): AsyncGenerator<V1Page> {
  const ask = async (filters: Record<string, string>): Promise<Answer> => {
    spend();
    const params = new URLSearchParams(base);
    params.set("from", String(ms));
    params.set("to", String(ms));
    for (const [k, v] of Object.entries(filters)) params.set(k, v);
    const answer = answerOf(await fetchBody(params));
    const events = answer.page.events.filter((e) => !seen.has(e.key));
    for (const e of events) seen.add(e.key);
    return { ...answer, page: { ...answer.page, events } };
  };
  const all = await ask({});
  yield all.page;
  if (complete(all.page)) return;
  const total = all.page.totalEventCount;
  let covered = 0;
  let unreadable = 0;
  const tried = new Set<string>();
  for (const type of [...all.types, ...KNOWN_EVENT_TYPES]) {
    if (total !== undefined && covered >= total) break;
    if (tried.has(type)) continue;
    tried.add(type);
    const byType = await ask({ eventType: type });
    yield byType.page;
    const n = countOf(byType.page);
    covered += n;
    if (complete(byType.page)) continue;
    if (base.has("entityId")) {
      unreadable += Math.max(0, n - V1_PAGE_SIZE);
      continue;
    }
    let reached = 0;
    for (const entityId of byType.entities) {
      const byEntity = await ask({ eventType: type, entityId });
      yield byEntity.page;
      const m = countOf(byEntity.page);
      reached += m;
      if (!complete(byEntity.page)) unreadable += Math.max(0, m - V1_PAGE_SIZE);
    }
    unreadable += Math.max(0, n - reached);
  }
  if (total !== undefined) unreadable += Math.max(0, total - covered);
  if (unreadable > 0) {
    yield {
      events: [],
      skipped: {},
      unreadable: new Map([[ms, unreadable]]),
      totalEventCount: undefined,
      next: { kind: "end" },
    };
  }
}

/** Merges unreachable counts by millisecond, keeping the larger where both have one. */
export function keepLargest(into: Map<number, number>, from: ReadonlyMap<number, number> | undefined): void {
  for (const [ms, n] of from ?? []) into.set(ms, Math.max(n, into.get(ms) ?? 0));
}

/** Whether a page holds all its query matches: the server names no next page. */
function complete(page: V1Page): boolean {
  return page.next.kind === "end";
}

/** The query's matches as the server counts them (at least what the page holds). */
function countOf(page: V1Page): number {
  return Math.max(page.totalEventCount ?? 0, page.events.length);
}

function answerOf(body: unknown): Answer {
  const page = parseV1Page(body);
  const raw = (body as { events?: unknown }).events;
  const events = Array.isArray(raw) ? (raw.slice(0, V1_PAGE_SIZE) as unknown[]) : [];
  return { page, types: distinct(events, "eventType"), entities: distinct(events, "entityId") };
}

/** The distinct usable string values of `field` on the page's events, in page order. */
function distinct(events: unknown[], field: string): string[] {
  const out = new Set<string>();
  for (const e of events) {
    const v = typeof e === "object" && e !== null ? (e as Record<string, unknown>)[field] : undefined;
    if (typeof v === "string" && v !== "" && v.length <= MAX_FILTER_LENGTH) out.add(v);
  }
  return [...out];
}

/**
 * Regroups a read's pages into pages of 150 events once a millisecond was read apart: its filtered
 * reads return many short pages (one per type and entity), and a reader that bounds a read by the
 * pages its count needs (150 events a page) must see no more pages than the events fill. Skipped
 * counts travel with the next page out.
 */
export class PagePacker {
  private events: FeedEvent[] = [];
  private skipped: SkipCounts = {};
  private unreadable = new Map<number, number>();

  /** Takes a page in; yields every full page it completes. */
  *add(page: V1Page): Generator<V1Page> {
    this.events.push(...page.events);
    for (const [reason, n] of Object.entries(page.skipped) as [keyof SkipCounts, number][]) {
      this.skipped[reason] = (this.skipped[reason] ?? 0) + n;
    }
    keepLargest(this.unreadable, page.unreadable);
    while (this.events.length >= V1_PAGE_SIZE) yield this.take(V1_PAGE_SIZE);
  }

  /** Yields what is left, if anything. */
  *flush(): Generator<V1Page> {
    const skips = Object.keys(this.skipped).length + this.unreadable.size;
    if (this.events.length > 0 || skips > 0) yield this.take(this.events.length);
  }

  private take(n: number): V1Page {
    const page: V1Page = {
      events: this.events.splice(0, n),
      skipped: this.skipped,
      unreadable: this.unreadable,
      totalEventCount: undefined,
      next: { kind: "end" },
    };
    this.skipped = {};
    this.unreadable = new Map();
    return page;
  }
}
