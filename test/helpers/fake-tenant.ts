import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { type App, createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import { ManualClock } from "./clock.js";
import { LogCapture } from "./log-capture.js";

/**
 * What the fake tenant answers one request with: a whole answer, "hang" (held until close), or a
 * 200 whose body trickles out one character every `everyMs`.
 */
export type FakeAnswer =
  | { status?: number; headers?: Record<string, string>; body: string }
  | { trickle: string; everyMs: number }
  | "hang";

/** Decides the answer to one request (`n` counts requests from 1). */
export type FakeHandler = (url: URL, n: number) => FakeAnswer;

/**
 * A hostile or broken Dynatrace of a test's own making (node:http on 127.0.0.1:0): it answers
 * whatever the handler says, which the simulator cannot be made to say. Records request URLs.
 */
export class FakeTenant {
  readonly requests: URL[] = [];
  handler: FakeHandler = () => ({ body: '{"events":[]}' });
  private server: Server | undefined;
  private readonly held = new Set<ServerResponse>();

  async listen(): Promise<string> {
    const server = createServer((req, res) => this.answer(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://tenant");
    this.requests.push(url);
    let a: FakeAnswer;
    try {
      a = this.handler(url, this.requests.length);
    } catch (err) {
      a = { status: 599, body: String(err) };
    }
    if (a === "hang" || "trickle" in a) {
      this.held.add(res);
      res.on("close", () => this.held.delete(res));
      if (a !== "hang") this.trickle(res, a.trickle, a.everyMs);
      return;
    }
    res.writeHead(a.status ?? 200, { "content-type": "application/json", ...a.headers });
    res.end(a.body);
  }

  private trickle(res: ServerResponse, body: string, everyMs: number): void {
    res.writeHead(200, { "content-type": "application/json" });
    let at = 0;
    const timer = setInterval(() => {
      if (at >= body.length || res.destroyed) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(body[at++]);
    }, everyMs);
    res.on("close", () => clearInterval(timer));
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const res of this.held) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }
}

/** An exporter draining a {@link FakeTenant} on a manual clock, with captured logs. */
export interface FakeRig {
  tenant: FakeTenant;
  app: App;
  clock: ManualClock;
  logs: LogCapture;
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a fake tenant and builds (not starts) an exporter draining it; `env` adds settings. */
export async function startFakeRig(env: Record<string, string> = {}, maxAttempts = 1): Promise<FakeRig> {
  const tenant = new FakeTenant();
  const url = await tenant.listen();
  const clock = new ManualClock();
  const logs = new LogCapture();
  const config = loadConfigFromEnv({
    DYNATRACE_URL: url,
    DYNATRACE_API_TOKEN: "dt0c01.FAKE.TOKEN",
    DYNATRACE_ENVIRONMENT: "test",
    LOG_LEVEL: "info",
    HTTP_TIMEOUT: "5",
    HOST: "127.0.0.1",
    PORT: "0",
    ...env,
  });
  const app = createApp(config, {
    clock: clock.now,
    logger: createLogger("info", logs),
    backoff: { maxAttempts, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: () => Promise.resolve(),
  });
  return {
    tenant,
    app,
    clock,
    logs,
    scrape: async () => (await request(app.http).get("/metrics").expect(200)).text,
    async close() {
      await app.stop();
      await tenant.close();
    },
  };
}

/** Resident set size of this process in bytes, from /proc/self/status (VmRSS). */
export function rssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}
