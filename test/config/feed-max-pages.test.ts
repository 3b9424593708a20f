import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { loadConfig } from "../../src/config/load-file.js";

const dir = mkdtempSync(join(tmpdir(), "dtee-maxpages-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE = { DYNATRACE_URL: "https://abc12345.live.dynatrace.com", DYNATRACE_API_TOKEN: "dt0c01.X.Y" };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfigFromEnv(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail("expected a configuration error");
}

describe("FEED_MAX_PAGES", () => {
  test("when unset, then each environment may read 10,000 pages", () => {
    assert.equal(loadConfigFromEnv(BASE).environments[0]?.maxPages, 10_000);
  });

  test("when set, then it applies; when not a whole number from 1 to 1,000,000, then the error names it", () => {
    assert.equal(loadConfigFromEnv({ ...BASE, FEED_MAX_PAGES: "25" }).environments[0]?.maxPages, 25);
    for (const bad of ["0", "-1", "1.5", "many", "1000001"]) {
      assert.match(errorOf({ ...BASE, FEED_MAX_PAGES: bad }).toString(), /FEED_MAX_PAGES/, bad);
    }
  });

  test("when the config file sets maxPages for one environment, then it overrides FEED_MAX_PAGES there only", () => {
    const path = join(dir, "c.yml");
    writeFileSync(
      path,
      [
        "environments:",
        "  - { name: a, url: https://a1.live.dynatrace.com, token: t, maxPages: 7 }",
        "  - { name: b, url: https://b1.live.dynatrace.com, token: t }",
        "",
      ].join("\n"),
    );
    const config = loadConfig({ FEED_MAX_PAGES: "300" }, path);
    assert.deepEqual(
      config.environments.map((e) => [e.name, e.maxPages]),
      [
        ["a", 7],
        ["b", 300],
      ],
    );
    writeFileSync(
      path,
      "environments:\n  - { name: a, url: https://a1.live.dynatrace.com, token: t, maxPages: 0 }\n",
    );
    assert.throws(() => loadConfig({}, path), /environments\[0\]\.maxPages/);
  });
});
