import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { loadConfig } from "../../src/config/load-file.js";
import { configErrorOf } from "../helpers/config-error.js";

const BASE = { DYNATRACE_URL: "https://abc12345.live.dynatrace.com", DYNATRACE_API_TOKEN: "dt0c01.X" };
const dir = mkdtempSync(join(tmpdir(), "dtee-lifecycle-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("problem lifecycle settings", () => {
  test("when nothing is set, then Alertmanager's and Grafana's critical, error and page severities open problems for 6 h refreshed hourly", () => {
    const { lifecycle } = loadConfigFromEnv(BASE).relay;
    assert.deepEqual(lifecycle.inputs, ["alertmanager", "grafana"]);
    assert.deepEqual(lifecycle.severityMap, {
      critical: "CUSTOM_ALERT",
      error: "CUSTOM_ALERT",
      page: "CUSTOM_ALERT",
    });
    assert.equal(lifecycle.timeoutMinutes, 360);
    assert.equal(lifecycle.refreshMs, 3_600_000);
  });

  test("when the shortest timeout is chosen, then a refresh of half of it is taken", () => {
    const { lifecycle } = loadConfigFromEnv({
      ...BASE,
      RELAY_PROBLEM_TIMEOUT: "1m",
      RELAY_PROBLEM_REFRESH: "30s",
    }).relay;
    assert.equal(lifecycle.timeoutMinutes, 1);
    assert.equal(lifecycle.refreshMs, 30_000);
  });

  test("when RELAY_LIFECYCLE and RELAY_SEVERITY_MAP are set, then they are read case-insensitively and RESOURCE_CONTENTION gets v2's name", () => {
    const { lifecycle } = loadConfigFromEnv({
      ...BASE,
      RELAY_LIFECYCLE: "on",
      RELAY_SEVERITY_MAP: "Critical=availability_event, warning=RESOURCE_CONTENTION,info=CUSTOM_INFO",
    }).relay;
    assert.deepEqual(lifecycle.inputs, ["alertmanager", "grafana", "netdata", "native"]);
    assert.deepEqual(lifecycle.severityMap, {
      critical: "AVAILABILITY_EVENT",
      warning: "RESOURCE_CONTENTION_EVENT",
      info: "CUSTOM_INFO",
    });
    assert.deepEqual(loadConfigFromEnv({ ...BASE, RELAY_LIFECYCLE: "off" }).relay.lifecycle.inputs, []);
  });

  test("when a setting is wrong, then the ConfigError names the variable", () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ RELAY_LIFECYCLE: "prometheus" }, "RELAY_LIFECYCLE", /unknown input "prometheus"/],
      [{ RELAY_SEVERITY_MAP: "critical" }, "RELAY_SEVERITY_MAP", /severity=EVENT_TYPE/],
      [{ RELAY_SEVERITY_MAP: "critical=PROBLEM" }, "RELAY_SEVERITY_MAP", /unsupported event type "PROBLEM"/],
      [{ RELAY_PROBLEM_TIMEOUT: "7h" }, "RELAY_PROBLEM_TIMEOUT", /1m to 6h/],
      [{ RELAY_PROBLEM_TIMEOUT: "1m" }, "RELAY_PROBLEM_REFRESH", /half of RELAY_PROBLEM_TIMEOUT \(0.5 min\)/],
      [{ RELAY_PROBLEM_REFRESH: "5s" }, "RELAY_PROBLEM_REFRESH", /at least 10s/],
      [{ RELAY_PROBLEM_TIMEOUT: "150s" }, "RELAY_PROBLEM_TIMEOUT", /whole minutes/],
      [{ RELAY_PROBLEM_REFRESH: "4h" }, "RELAY_PROBLEM_REFRESH", /half of RELAY_PROBLEM_TIMEOUT/],
    ];
    for (const [env, variable, message] of cases) {
      const err = configErrorOf(() => loadConfigFromEnv({ ...BASE, ...env }));
      assert.equal(err.variable, variable);
      assert.match(err.problem, message);
    }
  });

  test("when a config file sets relay.lifecycle and relay.severityMap, then they are kept, and a wrong one names its key", () => {
    const path = join(dir, "c.yml");
    const text = (map: string) => `
environments:
  - name: prod
    url: https://abc12345.live.dynatrace.com
    token: dt0c01.X
    relay:
      lifecycle: alertmanager,netdata
      severityMap: { critical: ERROR_EVENT, warning: ${map} }
`;
    writeFileSync(path, text("CUSTOM_ALERT"));
    const relay = loadConfig({}, path).environments[0]?.relay;
    assert.equal(relay?.lifecycle, "alertmanager,netdata");
    assert.deepEqual(relay?.severityMap, { critical: "ERROR_EVENT", warning: "CUSTOM_ALERT" });
    writeFileSync(path, text("LOUD"));
    const err = configErrorOf(() => loadConfig({}, path));
    assert.match(err.variable, /environments\[0\]\.relay\.severityMap$/);
  });
});
