import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_PUBLIC_TEXT, publicText } from "../../src/http/public-text.js";

describe("upstream text on public pages", () => {
  test("when the text echoes credentials in any case or encoding, then none of them is shown", () => {
    const cases = [
      "Token dt0c01.ABCDEF.SECRETPART is invalid",
      "token DT0C01.abcdef.secretpart is invalid",
      "header was Api-Token secretpart",
      "header was api-token%20secretpart",
      "Authorization: Bearer secretpart",
      "GET /api?api-token=secretpart&x=1",
      "GET /api?Api-Token%3Dsecretpart",
      "proxy http://user:secretpart@proxy:3128 refused",
    ];
    for (const text of cases) {
      const shown = publicText(text);
      assert.ok(!shown.toLowerCase().includes("secretpart"), `${text} -> ${shown}`);
      assert.match(shown, /<redacted>/);
    }
  });

  test("when the text is long and has control characters, then it is cut and cleaned", () => {
    const shown = publicText(`a\u0000b\r\nc\u001b[31m${"z".repeat(1000)}`);
    assert.equal(shown.length, MAX_PUBLIC_TEXT);
    assert.ok(shown.endsWith("..."));
    assert.ok(![...shown].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f));
  });
});
