import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { requireProgram } from "../helpers/programs.js";
import { promtoolSkip } from "../helpers/promtool.js";

const DIR = new URL("../../deploy/prometheus/", import.meta.url).pathname;

describe("Prometheus alert rules", () => {
  test("when promtool checks the rules, then all are valid", { skip: promtoolSkip() }, () => {
    const r = spawnSync(requireProgram("promtool"), ["check", "rules", "dynatrace-exporter.rules.yml"], {
      cwd: DIR,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /SUCCESS: 12 rules found/);
  });

  test(
    "when promtool runs the rule unit tests, then every alert fires and stays quiet as specified",
    { skip: promtoolSkip() },
    () => {
      const r = spawnSync(
        requireProgram("promtool"),
        ["test", "rules", "dynatrace-exporter.rules.test.yml"],
        {
          cwd: DIR,
          encoding: "utf8",
        },
      );
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /SUCCESS/);
    },
  );

  test("when the rules refer to metrics, then the exporter exports each of them", async () => {
    const { readFileSync } = await import("node:fs");
    const rules = readFileSync(`${DIR}dynatrace-exporter.rules.yml`, "utf8");
    const used = new Set([...rules.matchAll(/\b(dynatrace_[a-z_]+)/g)].map((m) => m[1]));
    const { createApp } = await import("../../src/app.js");
    const { loadConfigFromEnv } = await import("../../src/config/load-env.js");
    const { createLogger } = await import("../../src/log/logger.js");
    const app = createApp(
      loadConfigFromEnv({
        DYNATRACE_URL: "http://127.0.0.1:1",
        DYNATRACE_API_TOKEN: "t",
        RELAY_TOKENS: "",
        LOG_LEVEL: "silent",
        // The problem families exist only where the collector runs.
        PROBLEMS: "on",
      }),
      { logger: createLogger("silent") },
    );
    const text = (await app.metricsText(false)).body.toString();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    await app.stop();
    // Appears when a family first reaches its cap (test/problems/series-cap.test.ts shows it does).
    exported.add("dynatrace_series_folded_total");
    for (const name of used) assert.ok(exported.has(name), `${name} is used by a rule but not exported`);
  });
});
