import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { connect, type Socket } from "node:net";
import { afterEach, describe, test } from "node:test";
import { PROBE_RESERVE_PER_PEER } from "../../src/web/connection-cap.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { makePki } from "../helpers/tls-tenant.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await h?.close();
  h = undefined;
});

/** Opens a connection to the exporter from the loopback address `from` (127.0.0.x: distinct clients). */
async function openFrom(base: string, from: string): Promise<{ socket: Socket; closed: () => boolean }> {
  const { hostname, port } = new URL(base);
  const socket = connect({ port: Number(port), host: hostname, localAddress: from });
  sockets.push(socket);
  let closed = false;
  socket.on("error", () => {});
  socket.on("close", () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, closed: () => closed };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One GET on a fresh connection from `from` (HTTPS trusting `ca` when given); status 0 when the
 * connection was closed unanswered.
 */
function getFrom(
  base: string,
  path: string,
  from: string,
  headers: Record<string, string> = {},
  ca?: string,
): Promise<Answer> {
  const send = ca === undefined ? request : httpsRequest;
  return new Promise((resolve) => {
    const req = send(`${base}${path}`, { localAddress: from, agent: false, headers, ca }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", () => resolve({ status: 0, headers: {} }));
    req.end();
  });
}

describe("per-client connection cap", () => {
  test("when one address opens 200 silent sockets, then other clients and the probes are still served", async () => {
    h = await startHarness({ env: { WEB_MAX_CONNECTIONS: "100", WEB_MAX_CONNECTIONS_PER_CLIENT: "20" } });
    const base = await h.start();
    const attack = await Promise.all(
      Array.from({ length: 200 }, () => openFrom(base, "127.0.0.2").catch(() => undefined)),
    );
    // Beyond its 20 and its share of the probe reserve, the attacker's sockets are closed on arrival.
    const keep = 20 + PROBE_RESERVE_PER_PEER;
    await until(
      () => attack.filter((c) => c && !c.closed()).length <= keep,
      5000,
      `at most ${keep} attacking sockets left open`,
    );
    assert.equal((await getFrom(base, "/metrics", "127.0.0.3")).status, 200, "another client is served");
    assert.equal((await getFrom(base, "/healthz", "127.0.0.4")).status, 200, "a probe is served");
    assert.equal((await getFrom(base, "/readyz", "127.0.0.4")).status, 200, "readiness is served");
    // Once the attacker's probe-reserve sockets have timed out, its own probes are served too.
    await until(
      async () => (await getFrom(base, "/healthz", "127.0.0.2")).status === 200,
      5000,
      "a probe from the attacking address",
    );
    const over = await getFrom(base, "/metrics", "127.0.0.2");
    assert.equal(over.status, 429, "the attacker's 21st connection gets no page");
    assert.equal(over.headers["retry-after"], "1");
  });

  test("when a trusted proxy forwards one client on many connections, then that client is capped and others are not", async () => {
    h = await startHarness({
      env: { WEB_MAX_CONNECTIONS_PER_CLIENT: "3", TRUSTED_PROXIES: "127.0.0.9" },
    });
    const base = await h.start();
    // Keep-alive connections from the proxy, each carrying a request of client A.
    const { hostname, port } = new URL(base);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const conn = await openFrom(base, "127.0.0.9");
      let text = "";
      conn.socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
      conn.socket.write(
        `GET /metrics HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n`,
      );
      await until(() => /\r\n\r\n/.test(text) || conn.closed(), 5000, `answer ${i}`);
      statuses.push(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0));
    }
    assert.deepEqual(
      statuses,
      [200, 200, 200, 429, 429, 429],
      "the proxy's peer address is not capped; client A is",
    );
    const b = await getFrom(base, "/metrics", "127.0.0.9", { "x-forwarded-for": "198.51.100.2" });
    assert.equal(b.status, 200, "client B through the same proxy is served");
    const probe = await getFrom(base, "/healthz", "127.0.0.9", { "x-forwarded-for": "198.51.100.1" });
    assert.equal(probe.status, 200, "client A's probe is served");
  });

  test("when the server speaks TLS, then connections are counted before the handshake and probes still pass", async () => {
    const pki = makePki();
    const dir = mkdtempSync(join(tmpdir(), "dtee-cap-tls-"));
    try {
      const file = join(dir, "web.yml");
      writeFileSync(file, `tls_server_config:\n  cert_file: ${pki.certFile}\n  key_file: ${pki.keyFile}\n`);
      h = await startHarness({ env: { WEB_CONFIG_FILE: file, WEB_MAX_CONNECTIONS_PER_CLIENT: "2" } });
      const base = (await h.start()).replace("http://", "https://");
      const ca = readFileSync(pki.caFile, "utf8");
      for (let i = 0; i < 2; i++) {
        const raw = await openFrom(base.replace("https://", "http://"), "127.0.0.2");
        const held = tlsConnect({ socket: raw.socket, ca });
        sockets.push(held);
        held.on("error", () => {});
        await new Promise((resolve) => held.once("secureConnect", resolve));
      }
      const over = await getFrom(base, "/metrics", "127.0.0.2", {}, ca);
      assert.equal(over.status, 429, "the third connection of the address gets no page");
      assert.equal((await getFrom(base, "/healthz", "127.0.0.2", {}, ca)).status, 200, "its probe is served");
      assert.equal(
        (await getFrom(base, "/metrics", "127.0.0.3", {}, ca)).status,
        200,
        "another client is served",
      );
    } finally {
      await h?.close();
      h = undefined;
      pki.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
