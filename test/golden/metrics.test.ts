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
