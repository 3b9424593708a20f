import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { describe, test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/real-programs.js";
import { scratchDir } from "../helpers/scratch.js";
import { until } from "../helpers/wait.js";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Whether something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts `npm run demo` as a supervisor would (npm is the process it knows), waits for the banner,
 * sends `signal` to npm's PID alone, and reports whether npm exited and the exporter's port closed.
 */
async function signalNpmDemo(
  signal: NodeJS.Signals,
): Promise<{ npmCode: number | null | "running"; closed: boolean }> {
  const port = await freePort();
  const npm = spawn("npm", ["run", "demo", "--silent"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      TMPDIR: scratchDir("dtee-supervisor-"),
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
    // A process group of its own, so that the cleanup reaches an orphaned exporter too.
    detached: true,
  });
  let stdout = "";
  npm.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  // "exit", not "close": an orphaned exporter would hold npm's pipes open.
  const exited = once(npm, "exit");
  try {
    await until(() => stdout.includes("Press Ctrl+C"), 60_000, "the demo's banner");
    assert.equal(await listening(port), true, "the exporter listens");
    npm.kill(signal);
    const npmCode = await Promise.race([
      exited.then(([code]) => code as number | null),
      new Promise<"running">((resolve) => setTimeout(() => resolve("running"), 15_000).unref()),
    ]);
    let closed = false;
    await until(
      async () => (closed = !(await listening(port))),
      15_000,
      "the exporter's port to close",
    ).catch(() => undefined);
    return { npmCode, closed };
  } finally {
    try {
      process.kill(-(npm.pid as number), "SIGKILL");
    } catch {
      // the group is gone already
    }
  }
}

describe("under a supervisor", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`when ${signal} reaches npm's PID of npm run demo, then the exporter stops and its port closes`, async () => {
      const r = await signalNpmDemo(signal);
      assert.equal(r.closed, true, "nothing is left listening on the exporter's port");
      assert.equal(r.npmCode, 0, "npm reports the exporter's clean exit");
    });
  }

  test("when dead-letters --help is asked, then it prints its actions and flags and exits 0", async () => {
    const r = await runCli(["dead-letters", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    for (const word of ["list", "show", "replay", "purge", "--data-dir", "--environment", "Exit codes"]) {
      assert.ok(r.stdout.includes(word), `the help names ${word}`);
    }
  });

  test("when --help is asked, then it describes the feed and the relay and names the subcommand", async () => {
    const r = await runCli(["--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /feed +Drains the Dynatrace events feed/);
    assert.match(r.stdout, /relay +With RELAY_TOKENS set: receives alarms/);
    assert.match(r.stdout, /dynatrace-events-exporter dead-letters --help/);
  });
});
