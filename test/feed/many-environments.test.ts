import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import request from "supertest";
import { type App, createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/load-file.js";
import { createLogger } from "../../src/log/logger.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { value } from "../helpers/exposition.js";
import { until } from "../helpers/wait.js";

const dir = mkdtempSync(join(tmpdir(), "dtee-many-"));
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function sims(names: string[]): Promise<Map<string, SimulatedDynatrace>> {
  const out = new Map<string, SimulatedDynatrace>();
  for (const [i, name] of names.entries()) {
    const sim = new SimulatedDynatrace({ seed: 100 + i });
    await sim.listen();
    sim.generator.history(300, 3_600_000, Date.now());
    cleanup.push(() => sim.close());
    out.set(name, sim);
  }
  return out;
}

function appFor(all: Map<string, SimulatedDynatrace>, env: Record<string, string> = {}): App {
  const lines = [...all].map(
    ([name, sim]) =>
      `  - name: ${name}\n    url: ${sim.url}\n    token: \${TOKEN_${name.toUpperCase()}}\n    drainInterval: 1s\n`,
  );
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, `environments:\n${lines.join("")}`);
  const tokens = Object.fromEntries(
    [...all].map(([name, sim]) => [`TOKEN_${name.toUpperCase()}`, sim.token]),
  );
  const config = loadConfig({ ...tokens, HOST: "127.0.0.1", PORT: "0", HTTP_TIMEOUT: "0.5", ...env }, file);
  const app = createApp(config, { logger: createLogger("silent") });
  cleanup.push(() => app.stop());
  return app;
}

const feedGets = (sim: SimulatedDynatrace) =>
  sim.requests.filter((r) => r.method === "GET" && r.status === 200).length;

describe("three environments in one process", () => {
  test("when one environment hangs, then the others keep draining on their own schedule", async () => {
    const all = await sims(["alpha", "beta", "gamma"]);
    (all.get("gamma") as SimulatedDynatrace).injectFault({ kind: "hang" }, 1000);
    const app = appFor(all);
    await app.start();
    // Several drains of alpha and beta while gamma's first drain is still stuck in its retries.
    await until(
      () =>
        feedGets(all.get("alpha") as SimulatedDynatrace) >= 3 &&
        feedGets(all.get("beta") as SimulatedDynatrace) >= 3,
      8000,
      "three successful drains of alpha and beta",
    );
    const metrics = (await request(app.http).get("/metrics")).text;
    assert.equal(value(metrics, "dynatrace_up", { environment: "alpha" }), 1);
    assert.equal(value(metrics, "dynatrace_up", { environment: "beta" }), 1);
    assert.equal(value(metrics, "dynatrace_up", { environment: "gamma" }), 0);
    for (const environment of ["alpha", "beta"]) {
      assert.ok(value(metrics, "dynatrace_events_tracked", { environment }) > 0);
    }
    const ready = await request(app.http).get("/readyz");
    assert.equal(ready.status, 503);
    const states = Object.fromEntries(
      (ready.body.environments as { environment: string; ready: boolean }[]).map((e) => [
        e.environment,
        e.ready,
      ]),
    );
    assert.deepEqual(states, { alpha: true, beta: true, gamma: false });
  });

  test("when one environment's token is revoked, then only it fails and names the reason", async () => {
    const all = await sims(["alpha", "beta", "gamma"]);
    const app = appFor(all);
    (all.get("beta") as SimulatedDynatrace).revokeToken();
    assert.equal(await app.drainAll(), false);
    const metrics = (await request(app.http).get("/metrics")).text;
    assert.equal(
      value(metrics, "dynatrace_drain_errors_total", { environment: "beta", reason: "unauthorized" }),
      1,
    );
    assert.equal(value(metrics, "dynatrace_up", { environment: "alpha" }), 1);
    assert.equal(value(metrics, "dynatrace_up", { environment: "gamma" }), 1);
  });

  test("when one environment is rate limited for an hour, then it waits alone and the others drain", async () => {
    const all = await sims(["alpha", "beta", "gamma"]);
    const limited = all.get("gamma") as SimulatedDynatrace;
    limited.injectFault({ kind: "status", status: 429, headers: { "retry-after": "3600" } }, 1000);
    const app = appFor(all);
    await app.start();
    await until(
      () =>
        feedGets(all.get("alpha") as SimulatedDynatrace) >= 3 &&
        feedGets(all.get("beta") as SimulatedDynatrace) >= 3,
      8000,
      "three successful drains of alpha and beta",
    );
    // A wait of an hour is honoured, not retried: gamma was asked once and not again.
    assert.equal(limited.requests.filter((r) => r.status === 429).length, 1);
    const metrics = (await request(app.http).get("/metrics")).text;
    assert.equal(
      value(metrics, "dynatrace_drain_errors_total", { environment: "gamma", reason: "rate_limited" }),
      1,
    );
    assert.equal(value(metrics, "dynatrace_up", { environment: "alpha" }), 1);
  });

  test("when MAX_CONCURRENT_DRAINS is 1, then drains of different environments do not overlap", async () => {
    const all = await sims(["alpha", "beta", "gamma"]);
    for (const sim of all.values()) sim.injectFault({ kind: "delay", ms: 300 }, 1);
    const serial = appFor(all, { MAX_CONCURRENT_DRAINS: "1" });
    let t0 = performance.now();
    assert.equal(await serial.drainAll(), true);
    const serialMs = performance.now() - t0;
    for (const sim of all.values()) sim.injectFault({ kind: "delay", ms: 300 }, 1);
    const parallel = appFor(all, { MAX_CONCURRENT_DRAINS: "3" });
    t0 = performance.now();
    assert.equal(await parallel.drainAll(), true);
    const parallelMs = performance.now() - t0;
    assert.ok(serialMs >= 880, `three 300 ms drains one at a time took ${serialMs} ms`);
    assert.ok(parallelMs < 850, `three 300 ms drains side by side took ${parallelMs} ms`);
  });

  test("when environments set their own relay settings, then each one's alarms are mapped with them", async () => {
    const all = await sims(["alpha", "beta"]);
    const file = join(dir, "relay.yml");
    const entry = (name: string, sim: SimulatedDynatrace, relay: string) =>
      `  - name: ${name}\n    url: ${sim.url}\n    token: ${sim.token}\n${relay}`;
    writeFileSync(
      file,
      `environments:\n${entry("alpha", all.get("alpha") as SimulatedDynatrace, "    relay: {tag: alpha-hosts, source: Alpha Netdata}\n")}${entry("beta", all.get("beta") as SimulatedDynatrace, "")}`,
    );
    const config = loadConfig(
      {
        HOST: "127.0.0.1",
        PORT: "0",
        RELAY_TOKENS: "tok",
        // The v1 push's attach rules carry the tag as it was set.
        RELAY_API_VERSION: "v1",
        RELAY_TAG: "everyone",
        RELAY_DATA_DIR: join(dir, "outbox"),
      },
      file,
    );
    const app = createApp(config, { logger: createLogger("silent") });
    cleanup.push(() => app.stop());
    await app.start();
    for (const name of ["alpha", "beta"]) {
      const res = await request(app.http)
        .post(`/e/${name}/api/v1/alarms`)
        .set("authorization", "Bearer tok")
        .send({ host: "web01", chart: "system.cpu", alarm: "cpu", status: "WARNING" });
      assert.equal(res.status, 202);
    }
    const [alpha, beta] = [all.get("alpha") as SimulatedDynatrace, all.get("beta") as SimulatedDynatrace];
    await until(() => alpha.pushed.length === 1 && beta.pushed.length === 1, 5000, "one push to each");
    const tagOf = (p: Record<string, unknown> | undefined) =>
      (p?.attachRules as { tagRule: { tags: { key: string }[] }[] }).tagRule[0]?.tags[0]?.key;
    assert.deepEqual([tagOf(alpha.pushed[0]), alpha.pushed[0]?.source], ["alpha-hosts", "Alpha Netdata"]);
    assert.deepEqual([tagOf(beta.pushed[0]), beta.pushed[0]?.source], ["everyone", "Netdata Alarm"]);
  });

  test("when SHARD_COUNT is 3, then the three replicas drain every environment exactly once", async () => {
    const all = await sims(["alpha", "beta", "gamma", "delta", "epsilon"]);
    const drainedBy = new Map<string, number[]>();
    for (let index = 0; index < 3; index++) {
      const app = appFor(all, { SHARD_INDEX: String(index), SHARD_COUNT: "3" });
      for (const s of app.statuses())
        drainedBy.set(s.environment, [...(drainedBy.get(s.environment) ?? []), index]);
    }
    assert.deepEqual([...drainedBy.keys()].sort(), [...all.keys()].sort());
    for (const [environment, replicas] of drainedBy) assert.equal(replicas.length, 1, environment);
  });
});
