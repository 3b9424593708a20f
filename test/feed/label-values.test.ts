import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { MAX_LABEL_LENGTH } from "../../src/dynatrace/feed-event.js";
import { samples, value } from "../helpers/exposition.js";
import { type FakeRig, rssBytes, startFakeRig } from "../helpers/fake-tenant.js";
import { checkMetrics, promtoolSkip } from "../helpers/promtool.js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const E = { environment: "test" };
const HOUR = 3_600_000;

/** Label values of the exposition, unescaped. */
function eventTypes(metrics: string): string[] {
  return samples(metrics, "dynatrace_events_observed_total", E).map((s) =>
    (s.labels.event_type as string).replace(/\\(.)/g, (_m, c: string) => (c === "n" ? "\n" : c)),
  );
}

/** Lines of the exposition that start with `prefix` (without copying it into a string). */
function countLines(body: Buffer, prefix: string): number {
  const needle = Buffer.from(`\n${prefix}`);
  let n = 0;
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) n++;
  return n;
}

describe("label values from the tenant", () => {
  test("when event types are huge or carry control characters, then labels are capped, cleaned, distinct and promtool accepts the exposition", async () => {
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
    const skip = promtoolSkip();
    if (skip === false) {
      const check = checkMetrics(m);
      assert.equal(check.status, 0, check.output);
    } else {
      assert.fail(skip);
    }
  });

  test("when three rotations of 100k distinct event types pass, then label sets are freed and held sets stay at live plus retained zeros", async () => {
    // v2 pages of 1000; window 1 h, so a swept type's zero is exported for 1 h and then freed.
    // Three attempts: a keep-alive connection may be closed by the server during a long render.
    rig = await startFakeRig({ DYNATRACE_API_VERSION: "v2", EVENTS_WINDOW: "1h", RESYNC_INTERVAL: "1m" }, 3);
    const PER_ROTATION = 100_000;
    let rotation = -1;
    rig.tenant.handler = (url) => {
      const now = rig?.clock.now() ?? 0;
      if (url.searchParams.has("eventSelector") || rotation < 0) return { body: '{"events":[]}' };
      const page = Number(url.searchParams.get("nextPageKey") ?? 0);
      const events = Array.from({ length: 1000 }, (_, i) => {
        const n = page * 1000 + i;
        return {
          eventId: `${rotation}-${n}`,
          startTime: now - 120_000,
          endTime: now - 60_000,
          status: "CLOSED",
          eventType: `ROTATION_${rotation}_TYPE_${n}`,
        };
      });
      const next = (page + 1) * 1000 < PER_ROTATION ? String(page + 1) : null;
      return { body: JSON.stringify({ totalCount: PER_ROTATION, nextPageKey: next, events }) };
    };
    const held: number[] = [];
    const series: number[] = [];
    const rss: number[] = [];
    const retained: number[] = [];
    for (const r of [0, 1, 2, -1]) {
      rotation = r; // -1: a last drain that returns nothing
      assert.equal(
        await rig.app.drainAll(),
        true,
        `rotation ${r}: ${rig.app.statuses()[0]?.lastError?.message}`,
      );
      held.push(rig.app.statuses()[0]?.labelSets ?? -1);
      gc();
      rss.push(rssBytes());
      retained.push(process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);
      if (r === 2 || r === -1) {
        series.push(countLines((await rig.app.metricsText(false)).body, "dynatrace_events_observed_total{"));
      }
      rig.clock.advance(2 * HOUR);
    }
    // Live 100k; plus the previous rotation's zeros (retained 1 h after the sweep); never 300k.
    assert.deepEqual(held, [100_000, 200_000, 200_000, 100_000]);
    assert.deepEqual(series, [200_000, 100_000], "series exported = label sets held");
    assert.equal(await rig.app.drainAll(), true);
    assert.equal(rig.app.statuses()[0]?.labelSets, 0, "after the last zeros expire, nothing is held");
    assert.equal(value(await rig.scrape(), "dynatrace_events_tracked", E), 0);
    // Rotations 2 and 3 both hold 200k sets: what the heap retains stays level, not +100k sets' worth.
    const growth = (retained[2] as number) - (retained[1] as number);
    assert.ok(
      growth < 32 * 2 ** 20,
      `retained memory grew ${Math.round(growth / 2 ** 20)} MB from rotation 2 to 3`,
    );
    const peak = Math.max(...rss);
    assert.ok(peak < 600 * 2 ** 20, `RSS peaked at ${Math.round(peak / 2 ** 20)} MB`);
  });
});
