import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { request } from "undici";
import { until } from "../helpers/wait.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "dtee-demo-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Starts `--demo` with its temporary files under `scratch`, waits for the banner, runs `during`
 * with the banner, stops it with SIGTERM.
 */
async function demoRun(env: Record<string, string>, during?: (stdout: string) => Promise<void>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--demo"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      TMPDIR: scratch,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  try {
    await until(() => stdout.includes("Press Ctrl+C"), 30_000, "demo banner");
    await during?.(stdout);
    const demoDirs = readdirSync(scratch).filter((d) => d.startsWith("dynatrace-events-exporter-demo-"));
    const closed = once(child, "close");
    child.kill("SIGTERM");
    const [code] = (await closed) as [number | null];
    return { stdout, code, demoDirs };
  } finally {
    child.kill("SIGKILL");
  }
}

describe("demo", () => {
  test("when RELAY_TOKENS is set, then the printed curl line uses that token, not the demo's", async () => {
    const r = await demoRun({ RELAY_TOKENS: "my-own-token,second" });
    assert.match(r.stdout, /Authorization: Bearer my-own-token'/);
    assert.ok(!r.stdout.includes("demo-relay-token"));
    assert.equal(r.code, 0);
  });

  test("when the demo stops, then its temporary outbox directory is gone", async () => {
    const r = await demoRun({});
    assert.match(r.stdout, /Authorization: Bearer demo-relay-token'/);
    assert.match(
      r.stdout,
      /its token: dt0c01\.[0-9A-F]{24}\.[0-9A-F]{64}\n/,
      "the simulator's token is printed",
    );
    assert.equal(r.demoDirs.length, 1, "the demo made one temporary outbox directory");
    assert.equal(r.code, 0);
    assert.equal(existsSync(join(scratch, r.demoDirs[0] as string)), false);
  });

  test("when the printed Grafana curl lines are sent, then the demo takes the firing and the resolved alert", async () => {
    const statuses: number[] = [];
    const r = await demoRun({}, async (stdout) => {
      const lines = [...stdout.matchAll(/-d '(\{"version":"1".*?)' (http:\/\/\S+\/api\/v1\/grafana)\n/g)];
      assert.equal(lines.length, 2, "a firing and a resolved line");
      for (const [, body, url] of lines) {
        const res = await request(url as string, {
          method: "POST",
          headers: { authorization: "Bearer demo-relay-token", "content-type": "application/json" },
          body,
        });
        await res.body.dump();
        statuses.push(res.statusCode);
      }
    });
    assert.deepEqual(statuses, [202, 202]);
    assert.equal(r.code, 0);
  });
});
