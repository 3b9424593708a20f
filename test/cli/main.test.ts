import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { parseSamples } from "../helpers/exposition.js";
import { addBatch, MIN } from "../helpers/fixtures.js";
import { runCli } from "../helpers/cli.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const TOKEN =
  "dt0c01.ABCDEFGHIJKLMNOPQRSTUVWX.SECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECR";

describe("command line", () => {
  let sim: SimulatedDynatrace;
  before(async () => {
    sim = new SimulatedDynatrace({ token: TOKEN });
    await sim.listen();
    addBatch(sim, {
      count: 160,
      eventType: "CPU_SATURATED",
      newestStart: Date.now() - MIN,
      spacingMs: 1000,
      open: true,
    });
  });
  after(() => sim.close());

  test("when --version is given, then it prints the package version", async () => {
    const r = await runCli(["--version"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test("when --help is given, then it lists the flags and every variable", async () => {
    const r = await runCli(["--help"]);
    assert.equal(r.code, 0);
    for (const s of [
      "--check-config",
      "--once",
      "--demo",
      "DYNATRACE_URL",
      "DYNATRACE_API_TOKEN_FILE",
      "RESYNC_INTERVAL",
      "HTTP_TIMEOUT",
    ]) {
      assert.ok(r.stdout.includes(s), s);
    }
  });

  test("when an unknown flag is given, then it exits 2 with a usage line", async () => {
    const r = await runCli(["--bogus"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^usage error: .*--bogus.*\(see --help\)\n$/);
  });

  test("when the config is bad, then it exits 2 with one line naming the variable and no stack trace", async () => {
    const r = await runCli([], {
      DYNATRACE_URL: "https://x.live.dynatrace.com",
      DYNATRACE_API_TOKEN: TOKEN,
      DRAIN_INTERVAL: "soon",
    });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'configuration error: DRAIN_INTERVAL: "soon" is not a duration (use e.g. 30s, 5m, 1h30m, or plain seconds)\n',
    );
    assert.equal(r.stdout, "");
  });

  test("when --check-config is given a valid config, then it prints it masked and exits 0", async () => {
    const r = await runCli(["--check-config"], {
      DYNATRACE_URL: "https://abc12345.live.dynatrace.com/",
      DYNATRACE_API_TOKEN: TOKEN,
    });
    assert.equal(r.code, 0);
    const printed = JSON.parse(r.stdout);
    assert.equal(printed.environments[0].url, "https://abc12345.live.dynatrace.com");
    assert.equal(printed.environments[0].drainInterval, "1m");
    assert.ok(!r.stdout.includes("SECRET"));
  });

  test("when --check-config is given an invalid config, then it exits 2 with the error line", async () => {
    const r = await runCli(["--check-config"], { DYNATRACE_API_TOKEN: TOKEN });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^configuration error: DYNATRACE_URL: is required/);
  });

  test("when a variable with the exporter's prefix is misspelt, then --check-config exits 2 naming the closest one", async () => {
    const r = await runCli(["--check-config"], {
      DYNATRACE_URL: "https://abc12345.live.dynatrace.com/",
      DYNATRACE_API_TOKEN: TOKEN,
      DRAIN_INTERVALL: "30s",
      RELAY_TOKEN: "x",
    });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "configuration error: DRAIN_INTERVALL: unknown variable, did you mean DRAIN_INTERVAL?\n" +
        "configuration error: RELAY_TOKEN: unknown variable, did you mean RELAY_TOKENS?\n",
    );
    assert.equal(r.stdout, "");
  });

  test("when a variable with the exporter's prefix is misspelt, then a normal run warns and goes on", async () => {
    const r = await runCli(["--once"], {
      DYNATRACE_URL: sim.url,
      DYNATRACE_API_TOKEN: TOKEN,
      DRAIN_INTERVALL: "30s",
    });
    assert.equal(r.code, 0);
    const warning = r.stderr.split("\n").find((l) => l.includes("DRAIN_INTERVALL"));
    assert.ok(warning, "a log line names the unknown variable");
    assert.equal(JSON.parse(warning).msg, "DRAIN_INTERVALL: unknown variable, did you mean DRAIN_INTERVAL?");
    assert.equal(JSON.parse(warning).level, 40);
  });

  test("when --once is given, then it drains every page, prints the exposition and exits 0", async () => {
    const r = await runCli(["--once"], {
      DYNATRACE_URL: sim.url,
      DYNATRACE_API_TOKEN: TOKEN,
      DYNATRACE_ENVIRONMENT: "once",
    });
    assert.equal(r.code, 0, r.stderr);
    const open = parseSamples(r.stdout).find(
      (s) => s.name === "dynatrace_events" && s.labels.status === "OPEN",
    );
    assert.equal(open?.value, 160);
    assert.ok(!r.stderr.includes("SECRET") && !r.stdout.includes("SECRET"));
  });

  test("when --once cannot reach the API, then it still prints metrics and exits 1", async () => {
    const r = await runCli(["--once"], {
      DYNATRACE_URL: "http://127.0.0.1:1",
      DYNATRACE_API_TOKEN: TOKEN,
      HTTP_TIMEOUT: "1s",
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^dynatrace_up\{environment="127.0.0.1:1"\} 0$/m);
  });

  test("when the server gets SIGTERM, then it stops and exits 0", async () => {
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        DYNATRACE_URL: sim.url,
        DYNATRACE_API_TOKEN: TOKEN,
        PORT: "0",
        HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      child.stdout?.on("data", (d) => {
        out += d;
      });
      while (!out.includes("exporter listening")) await once(child.stdout as NodeJS.ReadableStream, "data");
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      assert.equal(code, 0);
      assert.match(out, /"msg":"shutting down"/);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
