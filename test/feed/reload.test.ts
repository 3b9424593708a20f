import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/load-file.js";
import { createLogger } from "../../src/log/logger.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { samples, value } from "../helpers/exposition.js";
import { until } from "../helpers/wait.js";

const ADMIN = "admin-test-token";
const dir = mkdtempSync(join(tmpdir(), "dtee-reload-"));
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function sim(seed: number): Promise<SimulatedDynatrace> {
  const s = new SimulatedDynatrace({ seed });
  await s.listen();
  s.generator.history(400, 3_600_000, Date.now());
  cleanup.push(() => s.close());
  return s;
}

function yaml(envs: { name: string; sim: SimulatedDynatrace; extra?: string }[]): string {
  return `environments:\n${envs
    .map((e) => `  - name: ${e.name}\n    url: ${e.sim.url}\n    token: ${e.sim.token}\n${e.extra ?? ""}`)
    .join("")}`;
}

const feedGets = (s: SimulatedDynatrace) => s.requests.filter((r) => r.method === "GET").length;

describe("configuration reload", () => {
  test("when the file changes and POST /-/reload is called, then unchanged environments keep their state", async () => {
    const [a, b, d, g] = [await sim(1), await sim(2), await sim(3), await sim(4)];
    const file = join(dir, "envs.yml");
    writeFileSync(
      file,
      yaml([
        { name: "alpha", sim: a },
        { name: "beta", sim: b },
        { name: "delta", sim: d },
      ]),
    );
    const app = createApp(loadConfig({ ADMIN_TOKENS: ADMIN }, file), {
      logger: createLogger("silent"),
      reloadConfig: () => loadConfig({ ADMIN_TOKENS: ADMIN }, file),
    });
    cleanup.push(() => app.stop());
    assert.equal(await app.drainAll(), true);
    const alphaFirst = feedGets(a);
    assert.ok(alphaFirst >= 3, "the first drain of alpha reads the whole window");

    writeFileSync(
      file,
      yaml([
        { name: "alpha", sim: a },
        { name: "beta", sim: b, extra: "    window: 2h\n" },
        { name: "gamma", sim: g },
      ]),
    );
    const res = await request(app.http).post("/-/reload").set("authorization", `Bearer ${ADMIN}`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      {
        kept: res.body.kept as string[],
        started: (res.body.started as string[]).sort(),
        stopped: (res.body.stopped as string[]).sort(),
      },
      { kept: ["alpha"], started: ["beta", "gamma"], stopped: ["beta", "delta"] },
    );
    assert.equal(await app.drainAll(), true);
    // alpha continued from its position (one incremental page), beta started over (a full read).
    assert.equal(feedGets(a) - alphaFirst, 1);
    const metrics = (await request(app.http).get("/metrics")).text;
    assert.equal(
      samples(metrics, "dynatrace_up", { environment: "delta" }).length,
      0,
      "delta's series are gone",
    );
    assert.equal(value(metrics, "dynatrace_up", { environment: "gamma" }), 1);
    assert.equal(value(metrics, "dynatrace_config_last_reload_successful"), 1);
    assert.deepEqual(
      app
        .statuses()
        .map((s) => s.environment)
        .sort(),
      ["alpha", "beta", "gamma"],
    );
  });

  test("when /-/reload is called without the admin token, or with none configured, then it is refused", async () => {
    const a = await sim(6);
    const file = join(dir, "guarded.yml");
    writeFileSync(file, yaml([{ name: "alpha", sim: a }]));
    const guarded = createApp(loadConfig({ ADMIN_TOKENS: ADMIN }, file), { logger: createLogger("silent") });
    const open = createApp(loadConfig({}, file), { logger: createLogger("silent") });
    cleanup.push(
      () => guarded.stop(),
      () => open.stop(),
    );
    const none = await request(guarded.http).post("/-/reload");
    assert.equal(none.status, 401);
    assert.match(none.body.error.message, /ADMIN_TOKENS/);
    const wrong = await request(guarded.http).post("/-/reload").set("authorization", "Bearer nope");
    assert.equal(wrong.status, 401);
    // Two failures above; eight more reach the limit of ten a minute.
    for (let i = 0; i < 8; i++) {
      assert.equal(
        (await request(guarded.http).post("/-/reload").set("authorization", "Bearer x")).status,
        401,
      );
    }
    const limited = await request(guarded.http).post("/-/reload").set("authorization", "Bearer nope");
    assert.equal(limited.status, 429, "failed admin logins are limited per address like the relay's");
    const good = await request(guarded.http).post("/-/reload").set("authorization", `Bearer ${ADMIN}`);
    assert.equal(good.status, 200, "the right token still passes");
    const off = await request(open.http).post("/-/reload").set("authorization", `Bearer ${ADMIN}`);
    assert.equal(off.status, 403);
    assert.match(off.body.error.message, /admin endpoints are off/);
  });

  test("when the new file is broken, then the reload fails with the reason and nothing changes", async () => {
    const a = await sim(5);
    const file = join(dir, "broken.yml");
    writeFileSync(file, yaml([{ name: "alpha", sim: a }]));
    const app = createApp(loadConfig({ ADMIN_TOKENS: ADMIN }, file), {
      logger: createLogger("silent"),
      reloadConfig: () => loadConfig({ ADMIN_TOKENS: ADMIN }, file),
    });
    cleanup.push(() => app.stop());
    writeFileSync(file, `${yaml([{ name: "alpha", sim: a }])}    windw: 1h\n`);
    const res = await request(app.http).post("/-/reload").set("authorization", `Bearer ${ADMIN}`);
    assert.equal(res.status, 500);
    assert.match(res.body.error.message, /environments\[0\]\.windw: unknown key/);
    const metrics = (await request(app.http).get("/metrics")).text;
    assert.equal(value(metrics, "dynatrace_config_last_reload_successful"), 0);
    assert.deepEqual(
      app.statuses().map((s) => s.environment),
      ["alpha"],
    );
  });

  test("when the process gets SIGHUP, then it reloads the file", async () => {
    const [a, b] = [await sim(6), await sim(7)];
    const file = join(dir, "sighup.yml");
    writeFileSync(file, yaml([{ name: "alpha", sim: a }]));
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--config", file], {
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = once(child, "exit");
    cleanup.push(async () => {
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    await until(() => /"port":\d+/.test(out), 20_000, "the exporter listening");
    const port = Number(/"port":(\d+)/.exec(out)?.[1]);
    const envs = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as {
          environments: { environment: string }[];
        }
      ).environments
        .map((e) => e.environment)
        .sort();
    assert.deepEqual(await envs(), ["alpha"]);
    writeFileSync(
      file,
      yaml([
        { name: "alpha", sim: a },
        { name: "beta", sim: b },
      ]),
    );
    child.kill("SIGHUP");
    await until(async () => (await envs()).length === 2, 10_000, "beta after SIGHUP");
    assert.deepEqual(await envs(), ["alpha", "beta"]);
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
  });
});
