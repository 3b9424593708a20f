import { request } from "undici";
import type { SimulatedDynatrace } from "../../src/simulator/server.js";

/** A problem as the simulator's Problems API writes it (the fields these tests read). */
export interface ApiProblem {
  problemId: string;
  displayId: string;
  title: string;
  status: "OPEN" | "CLOSED";
  severityLevel: string;
  impactLevel: string;
  startTime: number;
  endTime: number;
  affectedEntities: { entityId: { id: string; type: string }; name: string }[];
  rootCauseEntity: { entityId: { id: string } } | null;
  managementZones: { id: string; name: string }[];
  entityTags: { key: string; value?: string }[];
  evidenceDetails?: {
    totalCount: number;
    details: { evidenceType: string; data: { correlationId: string; eventType: string; status: string } }[];
  };
}

/** One page of `GET /api/v2/problems`. */
export interface ProblemsPage {
  totalCount: number;
  pageSize: number;
  nextPageKey: string | null;
  problems: ApiProblem[];
  error?: { code: number; message: string };
}

/** A tiny client for the simulator's HTTP front, written independently of the exporter's. */
export function client(sim: SimulatedDynatrace, token = () => sim.token) {
  const headers = () => ({ authorization: `Api-Token ${token()}`, "content-type": "application/json" });
  async function call(method: "GET" | "POST", path: string, body?: unknown) {
    const res = await request(`${sim.url}${path}`, {
      method,
      headers: headers(),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: (text === "" ? undefined : JSON.parse(text)) as unknown };
  }
  return {
    call,
    async problems(query = ""): Promise<{ status: number; page: ProblemsPage }> {
      const r = await call("GET", `/api/v2/problems${query === "" ? "" : `?${query}`}`);
      return { status: r.status, page: r.json as ProblemsPage };
    },
    /** Every problem over all pages; `fields` is repeated on every page. */
    async allProblems(query: string, fields?: string): Promise<ApiProblem[]> {
      const out: ApiProblem[] = [];
      const f = fields === undefined ? "" : `&fields=${fields}`;
      let r = await this.problems(`${query}${f}`);
      for (;;) {
        if (r.status !== 200) throw new Error(`problems answered ${r.status}: ${JSON.stringify(r.page)}`);
        out.push(...r.page.problems);
        if (!r.page.nextPageKey) return out;
        r = await this.problems(`nextPageKey=${encodeURIComponent(r.page.nextPageKey)}${f}`);
      }
    },
    async ingest(body: Record<string, unknown>): Promise<{ status: number; correlationId: string | null }> {
      const r = await call("POST", "/api/v2/events/ingest", body);
      const json = r.json as { eventIngestResults?: { correlationId: string | null }[] };
      return { status: r.status, correlationId: json.eventIngestResults?.[0]?.correlationId ?? null };
    },
    async close(problemId: string, body: unknown) {
      return call("POST", `/api/v2/problems/${encodeURIComponent(problemId)}/close`, body);
    },
  };
}

/** `problemSelector=...` URL-encoded. */
export function selector(text: string): string {
  return `problemSelector=${encodeURIComponent(text)}`;
}
