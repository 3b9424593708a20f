import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  cpSync,
  existsSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { request } from "undici";
import { createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { value } from "../helpers/exposition.js";
import { startHarness } from "../helpers/harness.js";
import { LogCapture } from "../helpers/log-capture.js";
import { scratchDir } from "../helpers/scratch.js";
import { until } from "../helpers/wait.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const TOKEN = "damage-relay-token";
const QUEUED = 300;
const PAGE = 4096;
const FILE = "relay-outbox.sqlite";

interface Exporter {
  base: string;
  /** Parsed log lines so far. */
  readonly logs: Record<string, unknown>[];
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts the exporter as its own process on `dataDir`; resolves once it listens (or rejects with its stderr). */
async function startProcess(sim: SimulatedDynatrace, dataDir: string): Promise<Exporter> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...settings(sim, dataDir) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  let pending = "";
  const exited = once(child, "exit").then(([code]) => code as number | null);
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === "exporter listening") resolve(Number(entry.port));
      }
    });
    void exited.then((code) => reject(new Error(`exporter exited (${code}): ${stderr}`)));
    setTimeout(() => reject(new Error(`exporter did not start: ${stderr}`)), 30_000).unref();
  });
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  return { base: `http://127.0.0.1:${port}`, logs, alive: () => child.exitCode === null, stop };
}

/** The same exporter built in this process (quicker; the process case is covered once above). */
async function startInProcess(sim: SimulatedDynatrace, dataDir: string): Promise<Exporter> {
  const capture = new LogCapture();
  const app = createApp(loadConfigFromEnv(settings(sim, dataDir)), { logger: createLogger("info", capture) });
  const { port } = await app.start();
  let stopped = false;
  return {
    base: `http://127.0.0.1:${port}`,
    get logs() {
      return capture.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    alive: () => !stopped,
    stop: async () => {
      stopped = true;
      await app.stop();
    },
  };
}

function settings(sim: SimulatedDynatrace, dataDir: string): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: "0",
    DYNATRACE_URL: sim.url,
    DYNATRACE_API_TOKEN: sim.token,
    DYNATRACE_ENVIRONMENT: "test",
    RELAY_TOKENS: TOKEN,
    RELAY_DATA_DIR: dataDir,
    LOG_LEVEL: "info",
  };
}

async function metrics(base: string): Promise<string> {
  const res = await request(`${base}/metrics`);
  return res.body.text();
}

/** Overwrites `length` bytes at `offset` with random bytes (the file is closed: the server is stopped). */
function scribble(file: string, offset: number, length: number): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, randomBytes(length), 0, length, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Waits until every connection of the stopped exporter is gone (its checkpoint thread closes a
 * moment after `stop()`) and the WAL is folded into the file: what is damaged then is all there is.
 */
async function settled(file: string): Promise<void> {
  await until(
    () => {
      new Database(file).close();
      return !existsSync(`${file}-wal`);
    },
    10_000,
    "the WAL folded into the file",
  );
}

const alarmOf = (p: Record<string, unknown>) => String((p.customProperties as Record<string, unknown>).alarm);

describe("a damaged outbox", () => {
  let template: string;
  const acked: string[] = [];
  const children: Exporter[] = [];
  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
  });

  before(async () => {
    // A few hundred alarms queued while the tenant refuses them, then a clean stop.
    const h = await startHarness({ relay: true, realClock: true, env: { HTTP_TIMEOUT: "10s" } });
    const base = await h.start();
    h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    // Ten at a time: each answer waits for its fsync, so one by one would take seconds.
    for (let i = 0; i < QUEUED; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, k) => {
          const res = await request(`${base}/api/v1/alarms`, {
            method: "POST",
            headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
            body: JSON.stringify({
              host: "web01",
              chart: "disk",
              alarm: `a${i + k}`,
              status: "CRITICAL",
              info: "x".repeat(400),
            }),
          });
          await res.body.dump();
          assert.equal(res.statusCode, 202);
          acked.push(`a${i + k}`);
        }),
      );
    }
    await h.close();
    template = h.dataDir;
    // The last connection to close folds the WAL into the file: what is damaged below is all there is.
    await settled(join(template, FILE));
  });

  /** Copies the queued outbox, damages it, starts the exporter on it, and checks the outcome. */
  async function startOnDamaged(damage: (file: string) => void, start = startInProcess) {
    const dir = scratchDir("dtee-damage-");
    cpSync(template, dir, { recursive: true });
    damage(join(dir, FILE));
    const sim = new SimulatedDynatrace();
    await sim.listen();
    try {
      const first = await start(sim, dir);
      children.push(first);
      return { dir, sim, first };
    } catch (err) {
      await sim.close();
      throw err;
    }
  }

  /**
   * Every recovered alarm is delivered exactly once, the loss is what the marker implies, and a
   * second start finds a sound outbox: nothing re-sent, nothing reported again.
   */
  async function checkRecovery(
    dir: string,
    sim: SimulatedDynatrace,
    first: Exporter,
    recovered: number,
    start = startInProcess,
  ) {
    try {
      await until(() => sim.pushed.length >= recovered, 20_000, `${recovered} recovered alarms delivered`);
      const m = await metrics(first.base);
      await until(
        async () =>
          value(await metrics(first.base), "dynatrace_relay_queue_depth", { environment: "test" }) === 0,
        10_000,
        "queue empty",
      );
      const delivered = sim.pushed.map(alarmOf);
      assert.equal(delivered.length, recovered, "recovered alarms delivered exactly once");
      assert.equal(new Set(delivered).size, delivered.length, "no duplicates");
      assert.ok(
        delivered.every((a) => acked.includes(a)),
        "only acknowledged alarms",
      );
      assert.equal(value(m, "dynatrace_relay_outbox_lost_alarms"), QUEUED - recovered);
      assert.ok(first.alive(), "still running");
      await first.stop();

      const second = await start(sim, dir);
      children.push(second);
      const m2 = await metrics(second.base);
      assert.equal(value(m2, "dynatrace_relay_outbox_lost_alarms"), 0, "a loss is reported once");
      assert.equal(value(m2, "dynatrace_relay_queue_depth", { environment: "test" }), 0);
      assert.equal(second.logs.filter((l) => l.level === 50).length, 0, JSON.stringify(second.logs));
      await second.stop();
      assert.equal(sim.pushed.length, recovered, "nothing re-sent after a restart");
    } finally {
      await sim.close();
    }
  }

  const pages = (file: string) => Math.floor(statSync(file).size / PAGE);
  type Kind = "header" | "interior" | "page" | "span" | "half";
  const cases: [string, Kind, (file: string) => void, typeof startProcess][] = [
    // The one case run as real processes: what an operator's restart does.
    ["the header", "header", (f) => scribble(f, 0, 100), startProcess],
    ["the first data page (the queue's root)", "interior", (f) => scribble(f, PAGE, PAGE), startInProcess],
    [
      "a page in the middle",
      "page",
      (f) => scribble(f, Math.floor(pages(f) / 2) * PAGE, PAGE),
      startInProcess,
    ],
    ["the last page", "page", (f) => scribble(f, (pages(f) - 1) * PAGE, PAGE), startInProcess],
    // Not page-aligned: the rows around the damage can come back with garbage in any column.
    [
      "4 KiB straddling two pages",
      "span",
      (f) => scribble(f, Math.floor(pages(f) / 2) * PAGE - 1000, PAGE),
      startInProcess,
    ],
    [
      "its second half (truncated)",
      "half",
      (f) => truncateSync(f, Math.floor(statSync(f).size / 2)),
      startInProcess,
    ],
  ];
  for (const [where, kind, damage, start] of cases) {
    test(`when ${where} of the outbox is damaged, then the file is moved aside, what can be read is delivered once, and the loss is reported`, async (t) => {
      const { dir, sim, first } = await startOnDamaged(damage, start);
      const report = first.logs.find((l) => String(l.msg).includes("is damaged: moved it to"));
      assert.ok(report, "the damage is logged");
      assert.equal(report.level, 50, "at error level");
      const recovered = Number(report.queued);
      t.diagnostic(`recovered ${recovered} of ${QUEUED}, unreadable ${String(report.unreadable)}`);
      assert.ok(existsSync(String(report.damagedCopy)), "the damaged copy is kept");
      assert.ok(readdirSync(dir).some((n) => n.startsWith(`${FILE}.corrupt-`)));
      const lost = first.logs.find((l) =>
        String(l.msg).includes("alarms are lost unless restored from backup"),
      );
      if (recovered < QUEUED) {
        assert.equal(lost?.lostAlarms, QUEUED - recovered);
        assert.equal(lost?.level, 50);
      } else {
        assert.equal(lost, undefined);
      }
      // What each damage can cost: nothing behind a rewritten header or a damaged interior page
      // (the leaves are read directly), at most one page of alarms (about 6) for a leaf.
      const floor = { header: QUEUED, interior: QUEUED, page: QUEUED - 8, span: QUEUED - 16, half: 1 }[kind];
      assert.ok(recovered >= floor, `recovered ${recovered}, expected at least ${floor}`);
      if (kind === "half") assert.ok(recovered < QUEUED, "the lost half is not invented");
      if (kind !== "half" && kind !== "span") assert.equal(report.unreadable, QUEUED - recovered);
      await checkRecovery(dir, sim, first, recovered, start);
    });
  }

  test("when the queue's root page is damaged after deliveries freed pages, then no delivered alarm is sent again", async () => {
    const h = await startHarness({ relay: true, realClock: true, env: { HTTP_TIMEOUT: "10s" } });
    const base = await h.start();
    const post = async (name: string) => {
      const res = await request(`${base}/api/v1/alarms`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
        body: JSON.stringify({
          host: "web02",
          chart: "disk",
          alarm: name,
          status: "WARNING",
          info: "y".repeat(400),
        }),
      });
      await res.body.dump();
      assert.equal(res.statusCode, 202);
    };
    for (let i = 0; i < 150; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, k) => post(`delivered${i + k}`)));
    }
    await until(
      () => h.sim.pushed.length === 150 && h.app.relay.summary()?.[0]?.oldestCreatedAt === undefined,
      15_000,
      "the first 150 delivered and removed",
    );
    h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    const queued = Array.from({ length: 150 }, (_, i) => `queued${i}`);
    for (let i = 0; i < queued.length; i += 10) await Promise.all(queued.slice(i, i + 10).map(post));
    await h.close();
    const file = join(h.dataDir, FILE);
    await settled(file);
    scribble(file, PAGE, PAGE);

    const sim = new SimulatedDynatrace();
    await sim.listen();
    const e = await startInProcess(sim, h.dataDir);
    children.push(e);
    try {
      await until(() => sim.pushed.length >= queued.length, 15_000, "the queued alarms delivered");
      await until(
        async () =>
          value(await metrics(e.base), "dynatrace_relay_queue_depth", { environment: "test" }) === 0,
        10_000,
        "queue empty",
      );
      assert.deepEqual(
        sim.pushed.map(alarmOf).sort(),
        [...queued].sort(),
        "exactly the queued ones, once each",
      );
    } finally {
      await e.stop();
      await sim.close();
    }
  });

  test("when the outbox was truncated to 0 bytes, then the exporter starts and reports every queued alarm lost", async () => {
    const { dir, sim, first } = await startOnDamaged((f) => truncateSync(f, 0));
    const lost = first.logs.find((l) =>
      String(l.msg).includes("alarms are lost unless restored from backup"),
    );
    assert.equal(lost?.level, 50);
    assert.match(String(lost?.msg), new RegExp(`held ${QUEUED} alarms at .* and is now empty`));
    await checkRecovery(dir, sim, first, 0);
  });

  test("when the outbox file is missing, then the exporter starts and reports every queued alarm lost", async () => {
    const { dir, sim, first } = await startOnDamaged((f) => rmSync(f));
    const lost = first.logs.find((l) =>
      String(l.msg).includes("alarms are lost unless restored from backup"),
    );
    assert.equal(lost?.level, 50);
    assert.match(String(lost?.msg), /and is now missing/);
    await checkRecovery(dir, sim, first, 0);
  });
});
