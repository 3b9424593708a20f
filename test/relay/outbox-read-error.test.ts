import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { request } from "undici";
import { Registry } from "prom-client";
import { RelayMetrics } from "../../src/metrics/relay-metrics.js";
import type { OutboundAlarm } from "../../src/relay/alarm.js";
import { Outbox } from "../../src/relay/outbox.js";
import { OutboxReadError } from "../../src/relay/outbox-errors.js";
import { startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const PAGE = 4096;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const options = { clock: () => 1_000_000, dedupeWindowMs: 60_000, queueLimit: 10_000 };
const alarm = (i: number): OutboundAlarm => ({
  source: "native",
  dedupeKey: `k${i}`,
  api: "v1",
  body: { title: `alarm ${i}`, description: "x".repeat(400) },
});

describe("outbox read errors at run time", () => {
  test("when a page goes bad under a running outbox, then reads of it throw OutboxReadError, the rest stays readable and scrapes go on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dtee-readerr-"));
    dirs.push(dir);
    const first = new Outbox(dir, options);
    await first.enqueue(
      "env",
      Array.from({ length: 300 }, (_, i) => alarm(i)),
    );
    first.close();
    const o = new Outbox(dir, options);
    try {
      const file = join(dir, "relay-outbox.sqlite");
      const other = new Database(file, { timeout: 5000 });
      // The page holding the oldest alarm (read by every scrape), and one in the middle.
      const first = other
        .prepare(
          "SELECT pageno FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf' ORDER BY path LIMIT 1",
        )
        .pluck()
        .get() as number;
      const fd = openSync(file, "r+");
      for (const page of [first, Math.floor(statSync(file).size / PAGE / 2) + 1]) {
        writeSync(fd, randomBytes(PAGE), 0, PAGE, (page - 1) * PAGE);
      }
      closeSync(fd);
      // A commit by another connection makes ours drop its page cache, so the next read sees the disk.
      other.prepare("INSERT INTO recent_keys (key, seen_at) VALUES ('elsewhere', 1)").run();
      other.close();

      let readable = 0;
      const errors: OutboxReadError[] = [];
      for (let after = 0; after <= 300;) {
        try {
          const head = o.head("env", after);
          if (!head) break;
          readable++;
          after = head.id;
        } catch (err) {
          assert.ok(err instanceof OutboxReadError, `a typed error, not ${String(err)}`);
          errors.push(err);
          after++;
        }
      }
      assert.ok(errors.length > 0, "the damaged page was read");
      assert.match(errors[0]?.code ?? "", /^SQLITE_CORRUPT/);
      assert.ok(readable > 250, `the other pages stay readable (${readable})`);
      assert.equal(o.depth("env"), 300, "the depth keeps its last value");
      assert.throws(() => o.oldestCreatedAt("env"), OutboxReadError);
      const registry = new Registry();
      new RelayMetrics(
        registry,
        () => o,
        ["env"],
        () => 1_000_000,
      );
      assert.match(await registry.metrics(), /dynatrace_relay_queue_depth\{environment="env"\} 300/);
    } finally {
      o.close();
    }
  });

  test("when a dead-letter page goes bad under the running exporter, then the dead-letter endpoints answer 503 and everything else keeps serving", async () => {
    const h = await startHarness({
      relay: true,
      realClock: true,
      env: { ADMIN_TOKENS: "admin", HTTP_TIMEOUT: "10s" },
    });
    try {
      const base = await h.start();
      // Dynatrace's verdict about the alarm itself: the one answer that dead-letters.
      const violation = JSON.stringify({
        error: {
          code: 400,
          message: "Constraints violated.",
          constraintViolations: [{ path: "title", message: "bad" }],
        },
      });
      h.sim.injectFault(
        { kind: "status", status: 400, headers: { "content-type": "application/json" }, body: violation },
        40,
        "push",
      );
      for (let i = 0; i < 40; i++) {
        const res = await request(`${base}/api/v1/alarms`, {
          method: "POST",
          headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
          body: JSON.stringify({
            host: "h",
            chart: "c",
            alarm: `d${i}`,
            status: "WARNING",
            info: "z".repeat(400),
          }),
        });
        await res.body.dump();
      }
      await until(() => h.app.relay.summary()?.[0]?.deadLetters === 40, 15_000, "40 dead letters");
      const file = join(h.dataDir, "relay-outbox.sqlite");
      const other = new Database(file, { timeout: 5000 });
      other.pragma("wal_checkpoint(TRUNCATE)");
      const pages = other
        .prepare("SELECT pageno FROM dbstat WHERE name = 'dead_letters' AND pagetype = 'leaf'")
        .pluck()
        .all() as number[];
      const fd = openSync(file, "r+");
      for (const page of pages) writeSync(fd, randomBytes(PAGE), 0, PAGE, (page - 1) * PAGE);
      closeSync(fd);
      other.prepare("INSERT INTO recent_keys (key, seen_at) VALUES ('elsewhere', 1)").run();
      other.close();

      const list = await request(`${base}/-/dead-letters`, { headers: { authorization: "Bearer admin" } });
      assert.equal(list.statusCode, 503);
      const body = (await list.body.json()) as { error: { code: number; message: string } };
      assert.equal(body.error.code, 503);
      assert.match(body.error.message, /relay outbox read failed/);
      for (const path of ["/healthz", "/metrics"]) {
        const res = await request(`${base}${path}`);
        await res.body.dump();
        assert.equal(res.statusCode, 200, path);
      }
      const accepted = await request(`${base}/api/v1/alarms`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
        body: JSON.stringify({ host: "h", chart: "c", alarm: "after", status: "WARNING" }),
      });
      await accepted.body.dump();
      assert.equal(accepted.statusCode, 202, "intake goes on");
      await until(
        () => h.sim.pushed.some((p) => (p.customProperties as Record<string, unknown>).alarm === "after"),
        15_000,
        "the new alarm delivered",
      );
    } finally {
      await h.close();
    }
  });

  test("when no outbox can be opened at all, then the exporter exits once with code 2 and one line naming RELAY_DATA_DIR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dtee-unopenable-"));
    dirs.push(dir);
    mkdirSync(join(dir, "relay-outbox.sqlite"));
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        DYNATRACE_URL: "https://abc12345.live.dynatrace.com",
        DYNATRACE_API_TOKEN: "dt0c01.TOKEN",
        RELAY_TOKENS: "relay-token",
        RELAY_DATA_DIR: dir,
        PORT: "0",
        HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const [code] = (await once(child, "exit")) as [number | null];
    clearTimeout(timer);
    assert.equal(code, 2);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /^configuration error: RELAY_DATA_DIR: cannot open the outbox in /);
  });
});
