import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { request } from "undici";
import { type Harness, startHarness } from "../helpers/harness.js";
import { mountsAllowed } from "../helpers/programs.js";
import { until } from "../helpers/wait.js";

/** Mounts a tmpfs of `size` at a new directory; undefined when this process may not mount. */
function tinyDisk(size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "dtee-full-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { encoding: "utf8" });
  return r.status === 0 ? dir : undefined;
}

const disk = mountsAllowed() ? tinyDisk("1m") : undefined;
const skip =
  disk || process.env.CI === "true"
    ? false
    : "mounts a tmpfs: run as root with TEST_MOUNT_TMPFS=1 (under CI=true it always runs)";
if (skip) process.stderr.write(`\n*** SKIPPING: ${skip} ***\n`);

describe("relay outbox on a full disk", { skip }, () => {
  let h: Harness | undefined;
  after(async () => {
    await h?.close();
    if (disk) spawnSync("umount", [disk]);
  });

  test("when the disk fills up, then intake answers 503 with Retry-After, and every acknowledged alarm is delivered", async () => {
    assert.ok(disk, "tmpfs mounted");
    h = await startHarness({ relay: true, realClock: true, env: { RELAY_DATA_DIR: disk } });
    const base = await h.start();
    h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    const acked: string[] = [];
    let full: { status: number; retryAfter: unknown; body: string } | undefined;
    for (let i = 0; i < 3000 && !full; i++) {
      const res = await request(`${base}/api/v1/alarms`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
        body: JSON.stringify({
          host: "web01",
          chart: "disk",
          alarm: `d${i}`,
          status: "CRITICAL",
          info: "x".repeat(4000),
        }),
      });
      const body = await res.body.text();
      assert.ok(res.statusCode === 202 || res.statusCode === 503, `${res.statusCode} ${body}`);
      if (res.statusCode === 202) acked.push(`d${i}`);
      else full = { status: res.statusCode, retryAfter: res.headers["retry-after"], body };
    }
    assert.ok(full, "the disk filled up");
    assert.equal(full.retryAfter, "30");
    assert.match(full.body, /relay outbox cannot store alarms/);
    assert.ok(acked.length > 0);
    h.sim.faults.clear();
    await until(() => h?.sim.pushed.length === acked.length, 30_000, "acknowledged alarms delivered");
    const delivered = h.sim.pushed.map((p) => (p.customProperties as Record<string, string>).alarm);
    // Distinct alarms (identities) may be delivered concurrently: each exactly once, in any order.
    assert.deepEqual([...delivered].sort(), [...acked].sort());
  });
});
