import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseNativeAlarm } from "../../src/relay/parse-native.js";
import { parseV1Push } from "../../src/relay/parse-v1.js";
import { parseV2Ingest, v2ToV1 } from "../../src/relay/parse-v2.js";
import { InvalidAlarmError } from "../../src/relay/validation-error.js";

// Found by the fuzzer: whitespace-only values passed intake and were then refused by Dynatrace.
describe("blank required fields", () => {
  test("when a v1 source or required description is whitespace only, then intake rejects it", () => {
    const base = { eventType: "CUSTOM_INFO", attachRules: { entityIds: ["HOST-1"] } };
    assert.throws(
      () => parseV1Push({ ...base, source: "  ", description: "d" }, undefined),
      InvalidAlarmError,
    );
    assert.throws(() => parseV1Push({ ...base, source: "s", description: " \t" }, undefined), /description/);
  });

  test("when a v2 title is blank, then intake rejects it; blank source or description fall back", () => {
    assert.throws(() => parseV2Ingest({ eventType: "CUSTOM_INFO", title: "   " }, undefined), /title/);
    const { event, key } = parseV2Ingest(
      {
        eventType: "CUSTOM_INFO",
        title: "t",
        entitySelector: "entityId(H)",
        properties: { source: " ", description: "" },
      },
      undefined,
    );
    const v1 = v2ToV1(event, key, {
      eventType: "CUSTOM_INFO",
      source: "Netdata Alarm",
      tag: undefined,
    }).payload;
    assert.equal(v1.source, "Netdata Alarm");
    assert.equal(v1.description, "t");
  });

  test("when a native alarm's host, chart or alarm is blank, then intake rejects it (they are its identity)", () => {
    const defaults = { eventType: "CUSTOM_INFO", source: "Netdata Alarm", tag: undefined };
    const alarm = { host: "web1", chart: "cpu.usage", alarm: "cpu_high", status: "CRITICAL" };
    assert.ok(parseNativeAlarm(alarm, defaults));
    for (const field of ["host", "chart", "alarm"]) {
      assert.throws(() => parseNativeAlarm({ ...alarm, [field]: " \t" }, defaults), new RegExp(field));
    }
  });
});
