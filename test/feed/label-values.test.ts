import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { MAX_LABEL_LENGTH } from "../../src/dynatrace/feed-event.js";
import { samples } from "../helpers/exposition.js";
import { type FakeRig, startFakeRig } from "../helpers/fake-tenant.js";
import { checkMetrics, promtoolSkip } from "../helpers/promtool.js";

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const E = { environment: "test" };

/** Label values of the exposition, unescaped. */
function eventTypes(metrics: string): string[] {
  return samples(metrics, "dynatrace_events_observed_total", E).map((s) =>
    (s.labels.event_type as string).replace(/\\(.)/g, (_m, c: string) => (c === "n" ? "\n" : c)),
  );
}

/** The exposition with cleaned labels, checked by promtool in a test of its own. */
let cleaned: string | undefined;

describe("label values from the tenant", () => {
  test("when event types are huge or carry control characters, then labels are capped, cleaned and distinct", async () => {
    rig = await startFakeRig();
    const now = rig.clock.now();
    const long = "A".repeat(100_000);
    const types = [
      `${long}1`,
      `${long}2`,
      "NUL\u0000TYPE",
      "CR\rLF\nTYPE",
      "C1\u0085\u009fTYPE",
      "TAB\tDEL\u007f",
      "LONE\ud800SURROGATE",
      'QUOTE"BACK\\SLASH',
      "ÜNICODE_😀_TYPE",
    ];
    const events = types.map((t, i) => ({
      id: `${i}_${now - 1000}`,
      startTime: now - 1000,
      endTime: -1,
      eventType: t,
      severityLevel: "ERR\r\nOR",
      impactLevel: "I".repeat(300),
    }));
    rig.tenant.handler = () => ({ body: JSON.stringify({ nextCursor: null, events }) });
    assert.equal(await rig.app.drainAll(), true);
    const m = await rig.scrape();
    const exported = eventTypes(m);
    assert.equal(exported.length, types.length, "two long types that differ at the end stay two series");
    for (const t of exported) {
      assert.ok(t.length <= MAX_LABEL_LENGTH, `capped: ${t.length}`);
      // eslint-disable-next-line no-control-regex -- asserting control characters are gone
      assert.doesNotMatch(t, /[\u0000-\u001f\u007f-\u009f]/, "no control characters");
    }
    assert.ok(exported.includes('QUOTE"BACK\\SLASH'), "quote and backslash survive, escaped");
    assert.ok(exported.includes("ÜNICODE_😀_TYPE"));
    assert.ok(exported.includes("NUL\uFFFDTYPE"));
    assert.match(exported.find((t) => t.startsWith("AAA")) ?? "", /^A{119}~[0-9a-f]{8}$/);
    const sample = samples(m, "dynatrace_events", { ...E, status: "OPEN" })[0];
    assert.equal(sample?.labels.severity_level, "ERR\uFFFD\uFFFDOR");
    assert.equal(sample?.labels.impact_level?.length, MAX_LABEL_LENGTH);
    assert.ok(!m.includes("\r") && !m.includes("\u0000"), "no raw CR or NUL in the body");
    cleaned = m;
  });

  test(
    "when labels were capped and cleaned, then promtool accepts the exposition",
    { skip: promtoolSkip() },
    () => {
      assert.ok(cleaned, "the exposition of the test before");
      const check = checkMetrics(cleaned);
      assert.equal(check.status, 0, check.output);
    },
  );
});
