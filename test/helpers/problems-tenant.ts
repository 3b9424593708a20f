import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A problem as the fake tenant serves it (Problems API v2 shape, the fields the exporter reads). */
export interface FakeProblem {
  problemId: string;
  status: "OPEN" | "CLOSED";
  severityLevel: string;
  impactLevel: string;
  startTime: number;
  endTime: number;
  managementZones?: { id: string; name: string }[];
  entityTags?: { key: string; value?: string }[];
  rootCauseEntity?: { entityId: { id: string; type: string } } | null;
}

/** A v2 event as the fake tenant serves it. */
export interface FakeEvent {
  eventId: string;
  eventType: string;
  status: "OPEN" | "CLOSED";
  startTime: number;
  endTime: number | null;
  managementZones?: { id: string; name: string }[];
  entityTags?: { key: string; value?: string }[];
  entityId?: { entityId: { id: string; type: string } };
}

/**
 * A small Dynatrace of the test's own (node:http on 127.0.0.1): `/api/v2/problems` and
 * `/api/v2/events` over lists the test edits, with `from`/`to` (an item matches when its start or
 * end lies in the range), `status("open")` selectors, `pageSize` and `nextPageKey` paging. A
 * problems answer can be replaced by a status code (403 for a token without `problems.read`).
 */
export class ProblemsTenant {
  problems: FakeProblem[] = [];
  events: FakeEvent[] = [];
  /** When set, `/api/v2/problems` answers this status with an error envelope. */
  problemsStatus: number | undefined;
  readonly requests: URL[] = [];
  private server: Server | undefined;
  private readonly reads = new Map<string, Timed[]>();

  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://tenant");
      this.requests.push(url);
      const answer = this.answer(url);
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Requests made to `path` so far. */
  count(path: string): number {
    return this.requests.filter((u) => u.pathname === path).length;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private answer(url: URL): { status: number; body: unknown } {
    if (url.pathname === "/api/v2/problems") {
      if (this.problemsStatus !== undefined) {
        const message = "Token is missing required scope. Use one of: problems.read";
        return { status: this.problemsStatus, body: { error: { code: this.problemsStatus, message } } };
      }
      return { status: 200, body: page(this.reads, url, this.problems, "problems", "problemSelector") };
    }
    if (url.pathname === "/api/v2/events")
      return { status: 200, body: page(this.reads, url, this.events, "events", "eventSelector") };
    return { status: 404, body: { error: { code: 404, message: "not found" } } };
  }
}

interface Timed {
  status: string;
  startTime: number;
  endTime: number | null;
}

/** One page of `items` for the request; the page key is the query and offset, base64url. */
function page(
  reads: Map<string, Timed[]>,
  url: URL,
  items: Timed[],
  field: string,
  selectorName: string,
): Record<string, unknown> {
  const key = url.searchParams.get("nextPageKey");
  const q = key ? new URLSearchParams(Buffer.from(key, "base64url").toString()) : url.searchParams;
  const from = Number(q.get("from"));
  const to = Number(q.get("to"));
  const size = Number(q.get("pageSize") ?? 50);
  const onlyOpen = /status\("open"\)/i.test(q.get(selectorName) ?? "");
  const offset = Number(q.get("offset") ?? 0);
  const read = `${field}|${from}|${to}|${onlyOpen}`;
  // A read's later pages reuse its first page's matches (items may change between reads only).
  const cached = offset > 0 ? reads.get(read) : undefined;
  const matching =
    cached ??
    items.filter(
      (i) =>
        (!onlyOpen || i.status === "OPEN") &&
        (inRange(i.startTime, from, to) || inRange(endOf(i), from, to) || (onlyOpen && i.startTime <= to)),
    );
  reads.set(read, matching);
  const slice = matching.slice(offset, offset + size);
  let next: string | null = null;
  if (offset + size < matching.length) {
    const nq = new URLSearchParams(q);
    nq.delete("nextPageKey");
    nq.set("offset", String(offset + size));
    next = Buffer.from(nq.toString()).toString("base64url");
  }
  return { totalCount: matching.length, pageSize: size, nextPageKey: next, [field]: slice };
}

function endOf(i: Timed): number | undefined {
  return i.endTime === null || i.endTime < 0 ? undefined : i.endTime;
}

function inRange(t: number | undefined, from: number, to: number): boolean {
  return t !== undefined && t >= from && t <= to;
}
