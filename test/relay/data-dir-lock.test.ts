import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { runCli } from "../helpers/cli.js";
import { startExporterProcess } from "../helpers/exporter-process.js";

describe("one exporter per RELAY_DATA_DIR", () => {
  const children: ChildProcess[] = [];
  let sim: SimulatedDynatrace | undefined;
  after(async () => {
    for (const c of children) c.kill("SIGKILL");
    await sim?.close();
  });

  test("when a second exporter starts on a held data dir, then it exits 2 naming RELAY_DATA_DIR and the holder; the CLI still works; after kill -9 a restart takes the lock", async () => {
    sim = new SimulatedDynatrace({ eventsPerMinute: 0 });
    await sim.listen();
    const dataDir = mkdtempSync(join(tmpdir(), "dtee-lock-"));
    const env = {
      DYNATRACE_URL: sim.url,
      DYNATRACE_API_TOKEN: sim.token,
      RELAY_TOKENS: "lock-relay-token",
      RELAY_DATA_DIR: dataDir,
      LOG_LEVEL: "info",
    };
    const first = await startExporterProcess(env);
    children.push(first.child);

    const second = await runCli([], env);
    assert.equal(second.code, 2, second.stderr);
    const line = `configuration error: RELAY_DATA_DIR: ${dataDir} is in use by another exporter (pid ${first.child.pid} on host ${hostname()} since 20`;
    assert.ok(second.stderr.startsWith(line), second.stderr);

    const check = await runCli(["--check-config"], env);
    assert.equal(check.code, 0, check.stderr);
    assert.match(
      check.stderr,
      new RegExp(`^note: RELAY_DATA_DIR .* in use by a running exporter \\(pid ${first.child.pid} `),
    );

    const list = await runCli(["dead-letters", "list", "--data-dir", dataDir]);
    assert.equal(list.code, 0, list.stderr);

    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    // No stale lock: the kernel dropped it with the process.
    const restarted = await startExporterProcess(env);
    children.push(restarted.child);
    restarted.child.kill("SIGTERM");
    const [code] = (await once(restarted.child, "exit")) as [number | null];
    assert.equal(code, 0);
  });
});
