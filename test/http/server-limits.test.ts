import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { afterEach, describe, test } from "node:test";
import { DEFAULT_SERVER_LIMITS } from "../../src/web/server-limits.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await h?.close();
  h = undefined;
});

/** A raw connection to the exporter that records what it receives and when it is closed. */
interface Conn {
  socket: Socket;
  received: () => string;
  closedAt: () => number | undefined;
}

async function open(base: string): Promise<Conn> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  let data = "";
  let closedAt: number | undefined;
  socket.on("data", (d: Buffer) => (data += d.toString("latin1")));
  socket.on("error", () => {});
  socket.on("close", () => (closedAt = Date.now()));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received: () => data, closedAt: () => closedAt };
}

/** Writes `text` one byte every `everyMs` until the socket closes or the text ends. */
function trickle(conn: Conn, text: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (conn.closedAt() !== undefined || i >= text.length) return clearInterval(timer);
    conn.socket.write(text[i++] as string);
  }, everyMs);
  return () => clearInterval(timer);
}

async function get(conn: Conn, path: string): Promise<string> {
  const before = conn.received().length;
  conn.socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
  await until(() => /\r\n\r\n/.test(conn.received().slice(before)), 5000, `answer to ${path}`);
  return conn.received().slice(before);
}

describe("HTTP server limits", () => {
  test("when the defaults are read, then they are the documented limits", () => {
    assert.deepEqual(DEFAULT_SERVER_LIMITS, {
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      maxRequestsPerSocket: 1000,
      maxConnections: 1024,
    });
  });

  test("when a client sends its headers a byte at a time (slowloris), then the header timeout closes it", async () => {
    h = await startHarness({ serverLimits: { headersTimeoutMs: 400, requestTimeoutMs: 2000 } });
    const conn = await open(await h.start());
    const started = Date.now();
    const stop = trickle(
      conn,
      `GET /healthz HTTP/1.1\r\nHost: test\r\n${"X-Slow: y\r\n".repeat(100)}\r\n`,
      50,
    );
    try {
      await until(() => conn.closedAt() !== undefined, 5000, "connection closed");
    } finally {
      stop();
    }
    const held = (conn.closedAt() as number) - started;
    assert.ok(held >= 300 && held < 2000, `held ${held} ms`);
    assert.match(conn.received(), /^HTTP\/1\.1 408/);
  });

  test("when a client sends its body a byte at a time, then the request timeout closes it", async () => {
    h = await startHarness({ relay: true, serverLimits: { headersTimeoutMs: 300, requestTimeoutMs: 800 } });
    const conn = await open(await h.start());
    const body = JSON.stringify({
      host: "web01",
      chart: "c",
      alarm: "slow",
      status: "CRITICAL",
      info: "z".repeat(200),
    });
    const started = Date.now();
    conn.socket.write(
      `POST /api/v1/alarms HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${h.relayToken}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    const stop = trickle(conn, body, 50);
    try {
      await until(() => conn.closedAt() !== undefined, 5000, "connection closed");
    } finally {
      stop();
    }
    const held = (conn.closedAt() as number) - started;
    assert.ok(held >= 600 && held < 3000, `held ${held} ms`);
    assert.match(conn.received(), /^HTTP\/1\.1 408/);
    assert.equal(h.app.relay.summary()?.[0]?.queued, 0, "nothing half-received was queued");
  });

  test("when WEB_MAX_CONNECTIONS are open, then a new connection is served probes only and the open ones keep working", async () => {
    h = await startHarness({ env: { WEB_MAX_CONNECTIONS: "3" } });
    const base = await h.start();
    const held = [await open(base), await open(base), await open(base)];
    for (const c of held) assert.match(await get(c, "/healthz"), /^HTTP\/1\.1 200/);
    const extra = await open(base);
    const refused = await get(extra, "/metrics");
    assert.match(refused, /^HTTP\/1\.1 503/);
    assert.match(refused, /Retry-After: 1/i);
    await until(
      () => extra.closedAt() !== undefined,
      5000,
      "the extra connection is closed after its answer",
    );
    const probe = await open(base);
    assert.match(await get(probe, "/healthz"), /^HTTP\/1\.1 200[\s\S]*Connection: close/i);
    await until(() => probe.closedAt() !== undefined, 5000, "the probe's connection is closed");
    for (const c of held) assert.match(await get(c, "/healthz"), /^HTTP\/1\.1 200/);
    held[0]?.socket.destroy();
    await until(() => held[0]?.closedAt() !== undefined);
    // Node counts the freed slot once the close is processed; a new connection then works.
    await until(
      async () => {
        const next = await open(base);
        next.socket.write("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
        await until(() => next.received() !== "" || next.closedAt() !== undefined, 2000);
        return /^HTTP\/1\.1 200/.test(next.received());
      },
      5000,
      "a freed slot is usable",
    );
  });

  test("when a connection has served maxRequestsPerSocket requests, then the last answer says close and more get 503", async () => {
    h = await startHarness({ serverLimits: { maxRequestsPerSocket: 2 } });
    const conn = await open(await h.start());
    assert.match(await get(conn, "/healthz"), /Connection: keep-alive/i);
    assert.match(await get(conn, "/healthz"), /Connection: close/i);
    // Node leaves the closing to the client; one that ignores it is refused, not served forever.
    assert.match(await get(conn, "/healthz"), /^HTTP\/1\.1 503/);
  });
});
