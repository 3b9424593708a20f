import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { format, resolveConfig } from "prettier";
import { CONFIG_DOC, settingsTable, withTable } from "../../scripts/config-table.js";

describe("configuration reference", () => {
  test("when the docs' settings table is compared with the declarations, then it lists every setting as declared (npm run docs)", async () => {
    const page = readFileSync(CONFIG_DOC, "utf8");
    const options = await resolveConfig(CONFIG_DOC.pathname);
    const fresh = await format(withTable(page, settingsTable()), { ...options, parser: "markdown" });
    assert.equal(page, fresh);
  });
});
