import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SETTINGS } from "../../src/config/settings.js";
import { PROBE_RESERVE } from "../../src/web/connection-cap.js";

describe("WEB_MAX_CONNECTIONS as documented", () => {
  test("when its description is read, then it says what the code does beyond the cap: the probe reserve, then closed", () => {
    const doc = SETTINGS.web.maxConnections.doc;
    assert.match(doc, new RegExp(`up to ${PROBE_RESERVE} more are served /healthz and /readyz only`));
    assert.match(doc, /then further ones are closed/);
  });
});
