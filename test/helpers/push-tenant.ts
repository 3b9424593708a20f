import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** How the fake tenant answers one push: a status and body, or a socket closed without answer. */
export type TenantAnswer =
  | { status: number; body: string; headers?: Record<string, string>; delayMs?: number; accept?: boolean }
  | { close: true };

/** Decides the answer to a push from its parsed body; undefined means Dynatrace's success. */
export type TenantScript = (body: Record<string, unknown>, n: number) => TenantAnswer | undefined;

/**
 * A fake Dynatrace tenant over real HTTP (not the project's simulator), for delivery tests:
 * answers the feed with empty pages, and each push as `script` says (default: the documented
 * v1/v2 success). Records accepted bodies in arrival order and the most pushes it held at once.
 */
export class PushTenant {
  /** Push bodies answered with success, in the order the answers were sent. */
  readonly accepted: Record<string, unknown>[] = [];
  /** Push requests received, whatever the answer. */
  pushes = 0;
  /** Most pushes in progress at once. */
  maxConcurrent = 0;
  script: TenantScript = () => undefined;
  private concurrent = 0;
  private readonly sockets = new Set<Socket>();
  private server: Server;
  private port = 0;

  constructor() {
    this.server = this.create();
  }

  /** Base URL (SaaS form). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<string> {
    this.server = this.create();
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.url;
  }

  /** Stops listening and drops every connection: pushes then fail with "connection refused". */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private create(): Server {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    return server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"events":[],"totalEventCount":0,"nextCursor":null,"totalCount":0,"nextPageKey":null}');
      return;
    }
    const n = ++this.pushes;
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      const answer = this.script(body, n) ?? success(req.url ?? "");
      if ("close" in answer) {
        req.socket.destroy();
        return;
      }
      if (answer.delayMs) await sleep(answer.delayMs);
      if (answer.accept) this.accepted.push(body);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body);
    } finally {
      this.concurrent--;
    }
  }
}

function success(url: string): TenantAnswer & { status: number } {
  if (url.endsWith("/api/v2/events/ingest")) {
    const body = '{"reportCount":1,"eventIngestResults":[{"correlationId":"ab12","status":"OK"}]}';
    return { status: 201, body, accept: true };
  }
  const body = '{"storedEventIds":[1],"storedIds":["1_1"],"storedCorrelationIds":[]}';
  return { status: 200, body, accept: true };
}

/** The documented success answer of a push to `url`, for scripts that add a delay. */
export function successAnswer(url: "v1" | "v2", delayMs = 0): TenantAnswer {
  return { ...success(url === "v2" ? "/api/v2/events/ingest" : "/api/v1/events"), delayMs };
}
