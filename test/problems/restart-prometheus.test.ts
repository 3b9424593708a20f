import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createApp } from "../../src/app.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { createLogger } from "../../src/log/logger.js";
import { startHarness } from "../helpers/harness.js";
import { scrapes, freePort, promQuery, realProgramsSkip, startPrometheus } from "../helpers/real-programs.js";

const HOUR = 3_600_000;
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("problems across a restart, scraped by a real Prometheus", { skip: realProgramsSkip() }, () => {
  test("when the exporter restarts while Prometheus scrapes, then increase() of the problem counters does not spike", async () => {
    const port = await freePort();
    const env = { DRAIN_INTERVAL: "1s", PROBLEMS: "on", PORT: String(port), HTTP_TIMEOUT: "30s" };
    const h = await startHarness({ realClock: true, env });
    cleanups.push(() => h.close());
    h.sim.generator.history(600, 20 * HOUR, Date.now());
    await h.start();
    const prom = await startPrometheus({ targets: [`127.0.0.1:${port}`] });
    cleanups.push(() => prom.stop());
    const before = await scrapes(prom, 2);
    await h.app.stop();
    const again = createApp(
      loadConfigFromEnv({
        DYNATRACE_URL: h.sim.url,
        DYNATRACE_API_TOKEN: h.sim.token,
        DYNATRACE_ENVIRONMENT: "test",
        HOST: "127.0.0.1",
        ...env,
      }),
      { logger: createLogger("silent") },
    );
    cleanups.push(() => again.stop());
    await again.start();
    await scrapes(prom, 3, before);
    const open = await promQuery(prom.url, 'sum(dynatrace_problems{environment="test", status="OPEN"})');
    const truth = h.sim.problems.all().filter((p) => p.status === "OPEN").length;
    assert.ok(truth > 0);
    assert.equal(open[0]?.value, truth, "the restarted exporter shows the open problems again");
    const opened = await promQuery(prom.url, "sum(increase(dynatrace_problems_opened_total[5m]))");
    assert.equal(opened[0]?.value ?? 0, 0);
    const resolved = await promQuery(prom.url, "sum(increase(dynatrace_problem_duration_seconds_count[5m]))");
    assert.equal(resolved[0]?.value ?? 0, 0);
  });
});
