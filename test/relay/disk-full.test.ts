import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { request } from "undici";
import { value } from "../helpers/exposition.js";
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

/** Posts 4 KB alarms while the tenant is down until the outbox refuses one; the names acknowledged. */
async function fillWithAlarms(
  base: string,
  token: string,
): Promise<{ acked: string[]; refusal: string; retryAfter: unknown }> {
  const acked: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const res = await request(`${base}/api/v1/alarms`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
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
    if (res.statusCode === 503) return { acked, refusal: body, retryAfter: res.headers["retry-after"] };
    acked.push(`d${i}`);
  }
  throw new Error("the disk never filled");
}

/** Writes zeros into a file in `dir` until the disk refuses another byte. */
function fillUp(dir: string): void {
  const fd = openSync(join(dir, "filler"), "w");
  try {
    for (const size of [65_536, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        // ENOSPC: on to smaller writes, down to the last byte.
      }
    }
  } finally {
    closeSync(fd);
  }
}

const delivered = (h: Harness) =>
  h.sim.pushed.map((p) => (p.customProperties as Record<string, string>).alarm);

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
    const { acked, refusal, retryAfter } = await fillWithAlarms(base, h.relayToken);
    assert.equal(retryAfter, "30");
    assert.match(refusal, /relay outbox cannot store alarms/);
    assert.ok(acked.length > 0);
    h.sim.faults.clear();
    await until(() => h?.sim.pushed.length === acked.length, 30_000, "acknowledged alarms delivered");
    const delivered = h.sim.pushed.map((p) => (p.customProperties as Record<string, string>).alarm);
    // Distinct alarms (identities) may be delivered concurrently: each exactly once, in any order.
    assert.deepEqual([...delivered].sort(), [...acked].sort());
  });
});

describe("relay outbox restarted on a full disk", { skip }, () => {
  const bigger = skip ? undefined : tinyDisk("16m");
  const harnesses: Harness[] = [];
  after(async () => {
    for (const x of harnesses) await x.close();
    if (bigger) spawnSync("umount", [bigger]);
  });

  test("when alarms are delivered after the disk filled, then a restart with the disk still full sends none of them again", async () => {
    assert.ok(bigger, "tmpfs mounted");
    const first = await startHarness({ relay: true, realClock: true, env: { RELAY_DATA_DIR: bigger } });
    harnesses.push(first);
    const base = await first.start();
    first.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    const { acked, refusal } = await fillWithAlarms(base, first.relayToken);
    assert.match(refusal, /relay outbox cannot store alarms/);
    first.sim.faults.clear();
    await until(() => first.sim.pushed.length === acked.length, 30_000, "acknowledged alarms delivered");
    assert.deepEqual([...delivered(first)].sort(), [...acked].sort());
    // The simulator records a push before it answers; the removal follows the answer. A close
    // before it would leave the last alarms in flight, which a restart may send again by design.
    await until(() => first.app.relay.summary()?.[0]?.queued === 0, 30_000, "removals written");
    await first.close();
    fillUp(bigger);

    const second = await startHarness({ relay: true, realClock: true, env: { RELAY_DATA_DIR: bigger } });
    harnesses.push(second);
    await second.start();
    const m = await second.scrape();
    assert.equal(
      value(m, "dynatrace_relay_queue_depth", { environment: "test" }),
      0,
      "nothing left to send again",
    );
    assert.deepEqual(delivered(second), []);
  });
});
