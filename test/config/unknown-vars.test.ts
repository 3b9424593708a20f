import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { everySetting, SETTINGS } from "../../src/config/settings.js";
import { describeUnknown, unknownVariables } from "../../src/config/unknown-vars.js";

describe("unknown variables", () => {
  test("when every variable is a known setting, then none is reported", () => {
    const env = Object.fromEntries(everySetting(SETTINGS).map((d) => [d.setting.env, "x"]));
    assert.deepEqual(unknownVariables({ ...env, PATH: "/bin", HOME: "/root", DEMO_SIMULATOR_PORT: "1" }), []);
  });

  test("when a variable has the exporter's prefix but no setting, then the closest setting is suggested", () => {
    const found = unknownVariables({
      DRAIN_INTERVALL: "30s",
      RELAY_TOKEN: "x",
      DYNATRACE_APITOKEN: "t",
      RELAY_COMPLETELY_DIFFERENT_THING: "1",
      HTTPS_PROXY: "http://proxy:3128",
    }).map(describeUnknown);
    assert.deepEqual(found, [
      "DRAIN_INTERVALL: unknown variable, did you mean DRAIN_INTERVAL?",
      "DYNATRACE_APITOKEN: unknown variable, did you mean DYNATRACE_API_TOKEN?",
      "RELAY_COMPLETELY_DIFFERENT_THING: unknown variable",
      "RELAY_TOKEN: unknown variable, did you mean RELAY_TOKENS?",
    ]);
  });
});
