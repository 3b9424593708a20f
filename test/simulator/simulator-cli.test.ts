import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { after, describe, test } from "node:test";
import request from "supertest";
import { request as httpRequest } from "undici";
import { createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import { samples } from "../helpers/exposition.js";
import { LogCapture } from "../helpers/log-capture.js";
import { until } from "../helpers/wait.js";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A running `npm run simulator` (src/simulator/main.ts under tsx) and what it printed. */
interface Tenant {
  child: ChildProcess;
  settings: Record<string, string>;
}

const children: ChildProcess[] = [];

/** Runs the simulator CLI to its end (for arguments it refuses); its exit code and stderr. */
async function runSimulator(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/simulator/main.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stderr };
}
after(async () => {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill("SIGTERM");
    await once(child, "close");
  }
});

/** Starts the simulator CLI on a free port and waits (up to 30 s) for the settings it prints. */
async function startSimulator(args: string[]): Promise<Tenant> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/simulator/main.ts", "--port", "0", ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  await until(
    () => /^DYNATRACE_API_VERSION=/m.test(out) || child.exitCode !== null,
    30_000,
    "settings printed",
  );
  const settings = Object.fromEntries([...out.matchAll(/^([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  assert.ok(settings.DYNATRACE_URL && settings.DYNATRACE_API_TOKEN, out);
  return { child, settings: settings as Record<string, string> };
}

const feed = (t: Tenant, token = t.settings.DYNATRACE_API_TOKEN) =>
  httpRequest(`${t.settings.DYNATRACE_URL}/api/v2/events?pageSize=10`, {
    headers: token ? { authorization: `Api-Token ${token}` } : {},
  });

describe("npm run simulator", () => {
  test("when the exporter is pointed at the URL and token it prints, then it drains the live feed", async () => {
    const t = await startSimulator(["--api-version", "v2", "--events-per-second", "20", "--history", "200"]);
    assert.equal(t.settings.DYNATRACE_API_VERSION, "v2");
    const refused = await feed(t, "");
    assert.equal(refused.statusCode, 401);
    await refused.body.dump();

    const config = loadConfigFromEnv({
      DYNATRACE_URL: t.settings.DYNATRACE_URL,
      DYNATRACE_API_TOKEN: t.settings.DYNATRACE_API_TOKEN,
      DYNATRACE_API_VERSION: t.settings.DYNATRACE_API_VERSION,
      DYNATRACE_ENVIRONMENT: "rehearsal",
      HOST: "127.0.0.1",
      PORT: "0",
    });
    const app = createApp(config, { logger: createLogger("info", new LogCapture()) });
    try {
      assert.equal(await app.drainAll(), true, JSON.stringify(app.statuses()));
      const tracked = () => app.statuses()[0]?.eventsTracked ?? 0;
      const first = tracked();
      assert.ok(first >= 100, `events drained: ${first}`);
      // The live stream: later drains find new events.
      await until(
        async () => (await app.drainAll()) && tracked() > first,
        20_000,
        "new events in a later drain",
      );
      const metrics = (await request(app.http).get("/metrics").expect(200)).text;
      const counted = samples(metrics, "dynatrace_events", { environment: "rehearsal" });
      assert.ok(counted.reduce((n, s) => n + s.value, 0) >= first);
    } finally {
      await app.stop();
    }
  });

  test("when asked for a fault on every request and latency, then each feed request is late and answered with it", async () => {
    const t = await startSimulator([
      "--fault",
      "503",
      "--fault-rate",
      "1",
      "--latency",
      "300",
      "--history",
      "10",
    ]);
    const started = Date.now();
    const res = await feed(t);
    assert.equal(res.statusCode, 503);
    assert.match(await res.body.text(), /simulated fault \(503\)/);
    assert.ok(Date.now() - started >= 300, `answered after ${Date.now() - started} ms`);
  });

  test("when a flag is unknown or a value wrong, then one line names it and the exit code is 2", async () => {
    const wrong = [
      ["--bogus"],
      ["--api-version", "v3"],
      ["--fault-rate", "2", "--fault", "503"],
      ["--fault-rate", "0.5"],
    ];
    for (const args of wrong) {
      const { code, stderr } = await runSimulator(args);
      assert.equal(code, 2, args.join(" "));
      assert.match(stderr, /^simulator: --?[a-z-]+|^simulator: Unknown option/);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
    }
  });

  test("when its port is taken, then one line says so and the exit code is 2", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    try {
      const port = String((busy.address() as AddressInfo).port);
      const { code, stderr } = await runSimulator(["--port", port]);
      assert.equal(code, 2, stderr);
      assert.equal(
        stderr,
        `simulator: cannot listen on 127.0.0.1:${port} (EADDRINUSE); choose another with --port\n`,
      );
    } finally {
      busy.close();
    }
  });
});
