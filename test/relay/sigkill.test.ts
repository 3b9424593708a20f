import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, describe, test } from "node:test";
import { request } from "undici";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { startExporterProcess } from "../helpers/exporter-process.js";
import { scratchDir } from "../helpers/scratch.js";
import { until } from "../helpers/wait.js";

const RELAY_TOKEN = "sigkill-relay-token";

describe("relay durability", () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill("SIGKILL");
  });

  test("when the process is killed with SIGKILL under load, then no acknowledged alarm is lost", async (t) => {
    const sim = new SimulatedDynatrace();
    await sim.listen();
    t.after(() => sim.close());
    const env = {
      DYNATRACE_URL: sim.url,
      DYNATRACE_API_TOKEN: sim.token,
      RELAY_TOKENS: RELAY_TOKEN,
      // Counted in the simulator's v1 pushes.
      RELAY_API_VERSION: "v1",
      RELAY_DATA_DIR: scratchDir("dtee-sigkill-"),
      LOG_LEVEL: "info",
    };
    const first = await startExporterProcess(env);
    children.push(first.child);

    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const name = `k${next++}`;
        try {
          const res = await request(`${first.base}/api/v1/alarms`, {
            method: "POST",
            headers: { authorization: `Bearer ${RELAY_TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({ host: "web01", chart: "system.cpu", alarm: name, status: "WARNING" }),
          });
          await res.body.dump();
          if (res.statusCode === 202) acked.add(name);
        } catch {
          // The connection died with the process: this alarm was never acknowledged.
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    try {
      await until(() => acked.size >= 300, 20_000, "300 acknowledged alarms");
    } finally {
      first.child.kill("SIGKILL");
      killed = true;
      await Promise.all(workers);
    }
    const deliveredBeforeKill = sim.pushed.length;

    const second = await startExporterProcess(env);
    children.push(second.child);
    const delivered = () =>
      new Set(sim.pushed.map((p) => (p.customProperties as Record<string, string>).alarm));
    await until(
      () => [...acked].every((a) => delivered().has(a)),
      30_000,
      "every acknowledged alarm delivered",
    );
    const lost = [...acked].filter((a) => !delivered().has(a));
    const duplicates = sim.pushed.length - delivered().size;
    t.diagnostic(
      `acknowledged ${acked.size}, delivered before kill ${deliveredBeforeKill}, lost ${lost.length}, duplicates ${duplicates}`,
    );
    assert.deepEqual(lost, []);
    second.child.kill("SIGTERM");
  });
});
