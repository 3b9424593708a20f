import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { settingsHelp } from "../../src/config/reference.js";
import { everySetting, SETTINGS } from "../../src/config/settings.js";

describe("--help's list of variables", () => {
  test("when a variable's name is as long as the column, then a space still separates it from its text", () => {
    const lines = settingsHelp().split("\n");
    for (const { setting } of everySetting(SETTINGS)) {
      if (!setting.env) continue;
      const line = lines.find((l) => l.startsWith(`  ${setting.env} `));
      assert.ok(line, `${setting.env} is followed by a space`);
    }
  });
});
