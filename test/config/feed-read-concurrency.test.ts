import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { loadConfig } from "../../src/config/load-file.js";

const dir = mkdtempSync(join(tmpdir(), "dtee-readconc-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE = { DYNATRACE_URL: "https://abc12345.live.dynatrace.com", DYNATRACE_API_TOKEN: "dt0c01.X.Y" };

describe("FEED_READ_CONCURRENCY", () => {
  test("when it is unset, then each environment reads with 4 feed requests at once; a value in 1..64 is taken; others are refused by name", () => {
    assert.equal(loadConfigFromEnv(BASE).environments[0]?.readConcurrency, 8);
    assert.equal(
      loadConfigFromEnv({ ...BASE, FEED_READ_CONCURRENCY: "1" }).environments[0]?.readConcurrency,
      1,
    );
    for (const bad of ["0", "65", "-2", "two", "1.5"]) {
      assert.throws(
        () => loadConfigFromEnv({ ...BASE, FEED_READ_CONCURRENCY: bad }),
        /FEED_READ_CONCURRENCY/,
        bad,
      );
    }
  });

  test("when the config file sets readConcurrency for one environment, then it overrides FEED_READ_CONCURRENCY there only", () => {
    const path = join(dir, "c.yml");
    writeFileSync(
      path,
      [
        "environments:",
        "  - { name: a, url: https://a1.live.dynatrace.com, token: t, readConcurrency: 8 }",
        "  - { name: b, url: https://b1.live.dynatrace.com, token: t }",
        "",
      ].join("\n"),
    );
    const config = loadConfig({ FEED_READ_CONCURRENCY: "2" }, path);
    assert.deepEqual(
      config.environments.map((e) => [e.name, e.readConcurrency]),
      [
        ["a", 8],
        ["b", 2],
      ],
    );
    writeFileSync(
      path,
      "environments:\n  - { name: a, url: https://a1.live.dynatrace.com, token: t, readConcurrency: 65 }\n",
    );
    assert.throws(() => loadConfig({}, path), /environments\[0\]\.readConcurrency/);
  });
});

describe("FEED_READ_SLICING", () => {
  test("when it is unset, then reads measure their width; fixed is taken; other values are refused by name", () => {
    assert.equal(loadConfigFromEnv(BASE).environments[0]?.readSlicing, "measured");
    const fixed = loadConfigFromEnv({ ...BASE, FEED_READ_SLICING: "fixed" });
    assert.equal(fixed.environments[0]?.readSlicing, "fixed");
    assert.throws(() => loadConfigFromEnv({ ...BASE, FEED_READ_SLICING: "wide" }), /FEED_READ_SLICING/);
  });
});
