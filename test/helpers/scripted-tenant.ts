import assert from "node:assert/strict";
import type { DynatraceClient } from "../../src/dynatrace/client.js";
import { DynatraceError } from "../../src/dynatrace/errors.js";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import type { EnvironmentConfig } from "../../src/config/types.js";

/** One request a fake tenant received. */
export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** A hand-written tenant over real HTTP on 127.0.0.1, for answers the simulator cannot give. */
export interface FakeTenant {
  url: string;
  requests: SeenRequest[];
  /** Sockets the server saw closed by the client before the response ended. */
  abortedResponses: number;
  /** A valid environment config pointing at this tenant. */
  environment(token?: string): EnvironmentConfig;
  close(): Promise<void>;
}

/** Token the fake tenants are configured with by default. */
export const FAKE_TOKEN = `dt0c01.${"A".repeat(24)}.${"B1".repeat(32)}`;

/** Starts a tenant whose every request is answered by `handler`. */
export async function startFakeTenant(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): Promise<FakeTenant> {
  const sockets = new Set<Socket>();
  const tenant: FakeTenant = {
    url: "",
    requests: [],
    abortedResponses: 0,
    environment(token = FAKE_TOKEN) {
      const env = loadConfigFromEnv({ DYNATRACE_URL: tenant.url, DYNATRACE_API_TOKEN: token })
        .environments[0];
      if (!env) throw new Error("no environment");
      return env;
    },
    close: () => closeServer(server, sockets),
  };
  const server: Server = createServer((req, res) => {
    tenant.requests.push({
      method: req.method ?? "",
      url: req.url ?? "",
      authorization: req.headers.authorization,
    });
    res.on("close", () => {
      if (!res.writableFinished) tenant.abortedResponses++;
    });
    void Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tenant.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return tenant;
}

/** Closes a server and every connection it holds. */
export function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Writes `chunk` again and again, respecting backpressure, until `total` bytes (Infinity: for
 * ever) or until the client goes away.
 */
export async function writeForever(
  res: ServerResponse,
  chunk: Buffer,
  total = Number.POSITIVE_INFINITY,
): Promise<void> {
  let sent = 0;
  while (sent < total && !res.destroyed) {
    const part = total - sent < chunk.length ? chunk.subarray(0, total - sent) : chunk;
    sent += part.length;
    if (!res.write(part)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

/** Resident set size of this process in bytes, from /proc/self/status. */
export function rssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

/**
 * The error a client call ends with (a GET of the v1 feed or a v1 push), closing the client; fails
 * the test when the call succeeds or throws anything but a {@link DynatraceError}.
 */
export async function failureOf(client: DynatraceClient, call: "get" | "post"): Promise<DynatraceError> {
  try {
    if (call === "get") await client.getJson("v1_events", "/api/v1/events", new URLSearchParams());
    else await client.postJson("v1_push", "/api/v1/events", "{}");
  } catch (err) {
    assert.ok(err instanceof DynatraceError, String(err));
    return err;
  } finally {
    await client.close();
  }
  assert.fail("the call succeeded");
}
