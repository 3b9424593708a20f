import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { after, describe, test } from "node:test";
import { value } from "../helpers/exposition.js";
import { type FakeRig, rssBytes, startFakeRig } from "../helpers/fake-tenant.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let rig: FakeRig | undefined;
after(async () => {
  await rig?.close();
});

const HOUR = 3_600_000;
const PER_ROTATION = 100_000;
const PAGE = 1000;

/** Lines of the exposition that start with `prefix` (without copying it into a string). */
function countLines(body: Buffer, prefix: string): number {
  const needle = Buffer.from(`\n${prefix}`);
  let n = 0;
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) n++;
  return n;
}

/** Page `page` of rotation `rotation`: 1000 closed events, each of its own event type. */
function pageBody(rotation: number, page: number, now: number): string {
  const events: string[] = [];
  for (let i = 0; i < PAGE; i++) {
    const n = page * PAGE + i;
    events.push(
      `{"eventId":"${rotation}-${n}","startTime":${now - 120_000},"endTime":${now - 60_000},"status":"CLOSED","eventType":"ROTATION_${rotation}_TYPE_${n}"}`,
    );
  }
  const next = (page + 1) * PAGE < PER_ROTATION ? `"${page + 1}"` : "null";
  return `{"totalCount":${PER_ROTATION},"nextPageKey":${next},"events":[${events.join(",")}]}`;
}

describe("label sets over rotations of event types", () => {
  test("when three rotations of 100k distinct event types pass, then label sets are freed and held sets stay at live plus retained zeros", async () => {
    // v2 pages of 1000; window 1 h, so a swept type's zero is exported for 1 h and then freed.
    // Three attempts: a keep-alive connection may be closed by the server during a long render.
    // MAX_SERIES above 200k: this is about releasing label sets, not about the series cap.
    rig = await startFakeRig(
      {
        DYNATRACE_API_VERSION: "v2",
        EVENTS_WINDOW: "1h",
        RESYNC_INTERVAL: "1m",
        MAX_SERIES: "1000000",
        PROBLEMS: "off",
      },
      3,
    );
    let rotation = -1;
    rig.tenant.handler = (url) => {
      if (url.searchParams.has("eventSelector") || rotation < 0) return { body: '{"events":[]}' };
      const page = Number(url.searchParams.get("nextPageKey") ?? 0);
      return { body: pageBody(rotation, page, rig?.clock.now() ?? 0) };
    };
    const held: number[] = [];
    const rss: number[] = [];
    const retained: number[] = [];
    let series = -1;
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
      if (r === 2) {
        series = countLines((await rig.app.metricsText(false)).body, "dynatrace_events_observed_total{");
      }
      rig.clock.advance(2 * HOUR);
    }
    // Live 100k; plus the previous rotation's zeros (retained 1 h after the sweep); never 300k.
    assert.deepEqual(held, [100_000, 200_000, 200_000, 100_000]);
    assert.equal(series, 200_000, "series exported = label sets held");
    assert.equal(await rig.app.drainAll(), true);
    assert.equal(rig.app.statuses()[0]?.labelSets, 0, "after the last zeros expire, nothing is held");
    assert.equal(value(await rig.scrape(), "dynatrace_events_tracked", { environment: "test" }), 0);
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
