import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, test } from "node:test";
import { request } from "undici";
import { value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { runCli } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

/** Dynatrace's verdict about the alarm itself: the one answer that dead-letters. */
const VIOLATION = {
  kind: "status" as const,
  status: 400,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ error: { code: 400, message: "Constraints violated." } }),
};

const held = (metrics: string) =>
  value(metrics, "dynatrace_relay_dead_letters_held", { environment: "test" });
const counted = (metrics: string) =>
  value(metrics, "dynatrace_relay_dead_letters_total", { environment: "test" });

describe("dynatrace_relay_dead_letters_held", () => {
  let running: Harness | undefined;
  const start = async (dataDir?: string) => {
    running = await startHarness({
      relay: true,
      realClock: true,
      env: { HTTP_TIMEOUT: "10s", ...(dataDir ? { RELAY_DATA_DIR: dataDir } : {}) },
    });
    return { h: running, base: await running.start() };
  };
  after(async () => {
    await running?.close();
    if (running) rmSync(running.dataDir, { recursive: true, force: true });
  });

  test("when dead letters wait and the exporter restarts, then the gauge still counts them until they are purged", async () => {
    const { h, base } = await start();
    h.sim.injectFault(VIOLATION, 3, "push");
    for (const alarm of ["a", "b", "c"]) {
      const res = await request(`${base}/api/v1/alarms`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
        body: JSON.stringify({ host: "web01", chart: "cpu", alarm, status: "WARNING" }),
      });
      assert.equal(res.statusCode, 202);
      await res.body.dump();
    }
    await until(async () => held(await h.scrape()) === 3, 15_000, "three dead letters held");
    assert.equal(counted(await h.scrape()), 3);
    await h.close();

    const again = await start(h.dataDir);
    const restarted = await again.h.scrape();
    assert.equal(counted(restarted), 0, "the counter starts again at 0");
    assert.equal(held(restarted), 3, "the gauge reads the file");

    const purged = await runCli(["dead-letters", "purge", "--all", "--data-dir", h.dataDir]);
    assert.equal(purged.stdout, "purged 3\n");
    assert.equal(held(await again.h.scrape()), 0, "a purge by the CLI shows at the next scrape");
  });
});
