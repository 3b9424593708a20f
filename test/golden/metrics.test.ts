import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { renderGolden } from "./render.js";

describe("golden /metrics", () => {
  test("when the seeded history is drained, then the exposition equals the reviewed golden file (npm run golden)", async () => {
    const golden = readFileSync(new URL("./metrics.prom", import.meta.url), "utf8");
    const now = await renderGolden();
    assert.equal(now, golden);
  });
});

describe("README metrics table", () => {
  test("when compared with the golden exposition, then it lists exactly the families the exporter exports", () => {
    const golden = readFileSync(new URL("./metrics.prom", import.meta.url), "utf8");
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const exported = [...golden.matchAll(/^# TYPE (dynatrace_\w+) /gm)].map((m) => m[1]).sort();
    const documented = [...readme.matchAll(/^\| `(dynatrace_\w+)`/gm)].map((m) => m[1]).sort();
    assert.deepEqual(documented, exported);
  });
});
