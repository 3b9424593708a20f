import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/load-file.js";
import { createLogger } from "../../src/log/logger.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { value } from "../helpers/exposition.js";
import { until } from "../helpers/wait.js";

const dir = mkdtempSync(join(tmpdir(), "dtee-shared-"));
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function sim(seed: number): Promise<SimulatedDynatrace> {
  const s = new SimulatedDynatrace({ seed });
  await s.listen();
  s.generator.history(200, 3_600_000, Date.now());
  cleanup.push(() => s.close());
  return s;
}

/** A TCP forwarder in front of `target` that counts the connections it accepts. */
async function countingForwarder(target: URL): Promise<{ url: string; accepted: () => number }> {
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}${target.pathname}`, accepted: () => accepted };
}

function appOf(entries: { name: string; url: string; token: string }[], env: Record<string, string> = {}) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yml`);
  const lines = entries.map((e) => `  - name: ${e.name}\n    url: ${e.url}\n    token: ${e.token}\n`);
  writeFileSync(file, `environments:\n${lines.join("")}`);
  const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", HTTP_TIMEOUT: "0.5", ...env }, file);
  const app = createApp(config, { logger: createLogger("silent") });
  cleanup.push(() => app.stop());
  return app;
}

describe("environments of one tenant origin", () => {
  test("when thirty environments on one origin drain, then they share connections: no more than the drains in flight", async () => {
    const s = await sim(1);
    const forwarder = await countingForwarder(new URL(s.url));
    const entries = Array.from({ length: 30 }, (_, i) => ({
      name: `env-${i}`,
      url: forwarder.url,
      token: s.token,
    }));
    const app = appOf(entries, { MAX_CONCURRENT_DRAINS: "2", FEED_READ_CONCURRENCY: "2" });
    assert.equal(await app.drainAll(), true);
    const metrics = (await request(app.http).get("/metrics")).text;
    const truth = s.oracle.eventsInWindow(86_400_000).length;
    for (const { name } of entries) {
      assert.equal(value(metrics, "dynatrace_events_tracked", { environment: name }), truth, name);
    }
    // One pool for the origin: its connections are bounded by requests in flight (2 drains × 2).
    assert.ok(forwarder.accepted() <= 4, `${forwarder.accepted()} connections for 30 environments`);
  });

  test("when one of twelve environments cannot drain, then /readyz?role=feed counts 11 of 12 ready and names it", async () => {
    const good = await sim(2);
    const stuck = await sim(3);
    stuck.injectFault({ kind: "hang" }, 1000);
    const entries = [
      ...Array.from({ length: 11 }, (_, i) => ({ name: `env-${i}`, url: good.url, token: good.token })),
      { name: "stuck", url: stuck.url, token: stuck.token },
    ];
    const app = appOf(entries, { DRAIN_INTERVAL: "1s" });
    await app.start();
    await until(
      async () => (await request(app.http).get("/readyz?role=feed")).body.environmentsReady?.ready === 11,
      8000,
      "eleven environments ready",
    );
    const res = await request(app.http).get("/readyz?role=feed");
    assert.equal(res.status, 503);
    assert.deepEqual(res.body.environmentsReady, { ready: 11, of: 12 });
    assert.match(
      res.body.reason,
      /^11 of 12 environments ready; first drain has not yet succeeded for: stuck$/,
    );
  });
});
