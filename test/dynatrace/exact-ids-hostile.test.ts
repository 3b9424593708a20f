import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import fc from "fast-check";
import { parseV1Json, parseV1Page } from "../../src/dynatrace/events-v1.js";
import { parseJsonExactIds } from "../../src/dynatrace/exact-json.js";
import { value } from "../helpers/exposition.js";
import { type FakeRig, startFakeRig } from "../helpers/fake-tenant.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const JSON_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Number-ish tokens, valid JSON and not: what a broken server might write as an id. */
const idToken = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.integer().map(String),
  fc.double().map((d) => (Number.isFinite(d) ? String(d) : "1e400")),
  fc.constantFrom(
    "1.5",
    "1e+23",
    "-0",
    "0",
    "01",
    "-",
    "1.",
    ".5",
    "1e",
    "--1",
    "+1",
    "0x10",
    "1_0",
    "Infinity",
  ),
  fc.constantFrom("12345678901234567890123", "9223372036854775808", "-9223372036854775809"),
  fc.constantFrom('"123"', '"abc"', "null", "true", "[]", "{}", '"1.5"', '""'),
);
const ws = fc.constantFrom("", " ", "\n", "\t ", "\r\n");

/** A page text whose ids are arbitrary tokens, with arbitrary whitespace around them. */
const pageText = fc
  .tuple(
    fc.array(fc.tuple(idToken, ws, ws, fc.string({ maxLength: 8 })), { maxLength: 6 }),
    fc.option(fc.tuple(idToken, ws)),
    fc.boolean(),
  )
  .map(([events, next, arrayIds]) => {
    const items = events.map(
      ([id, a, b, s], i) =>
        `{"eventType":${JSON.stringify(s)},"eventId"${a}:${b}${id}${a},"startTime":${1000 + i}}`,
    );
    const nextPart = next ? `,"nextEventId":${next[1]}${next[0]},"nextEventStartTms":5` : "";
    const stored = arrayIds ? `,"storedEventIds":[${events.map(([id]) => id).join(",")}]` : "";
    return `{"events":[${items.join(",")}]${nextPart}${stored}}`;
  });

/** The same text with bytes cut, doubled or inserted: mostly invalid JSON. */
const damaged = fc
  .tuple(pageText, fc.nat(), fc.constantFrom("", ",", '"', "}", "]", "1", ".", "e", ":", "\\"))
  .map(([t, at, ins]) => t.slice(0, at % (t.length + 1)) + ins + t.slice(at % (t.length + 1)));

function parseOutcome(f: () => unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    return { ok: false, error: (err as Error).name };
  }
}

/** What parseJsonExactIds must return: JSON.parse's result with integer ids as their exact text. */
function expectedFrom(text: string, reference: unknown): unknown {
  const exact = new Map<number, string>();
  const tokens = [...text.matchAll(/"(?:eventId|nextEventId)"[ \t\n\r]*:[ \t\n\r]*([^,}\]\s]*)/g)];
  tokens.forEach((m, i) => exact.set(i, m[1] as string));
  let i = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== "object" || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "storedEventIds" && Array.isArray(x)) {
        const raw = /"storedEventIds":\[([^\]]*)\]/.exec(text)?.[1] ?? "";
        const items = raw.split(",").map((s) => s.trim());
        out[k] = items.every((s) => JSON_INTEGER.test(s)) && raw.trim() !== "" ? items : x;
      } else if ((k === "eventId" || k === "nextEventId") && typeof x === "number") {
        const token = exact.get(i) ?? "";
        out[k] = JSON_INTEGER.test(token) ? token : x;
      } else {
        out[k] = walk(x);
      }
      if (k === "eventId" || k === "nextEventId") i++;
    }
    return out;
  };
  return walk(reference);
}

describe("exact ids against any id token", () => {
  test("when a page's ids are arbitrary tokens, then the exact-id pass accepts exactly what JSON.parse accepts and keeps integer ids exact", () => {
    fc.assert(
      fc.property(fc.oneof(pageText, damaged), (text) => {
        const reference = parseOutcome(() => JSON.parse(text));
        const exact = parseOutcome(() => parseJsonExactIds(text));
        assert.equal(exact.ok, reference.ok, `JSON.parse ${reference.ok ? "accepts" : "refuses"}: ${text}`);
        if (!reference.ok || !exact.ok) {
          assert.equal((exact as { error: string }).error, "SyntaxError");
          return;
        }
        assert.deepEqual(exact.value, expectedFrom(text, reference.value));
        // Whatever the ids, the page parser never throws on a page that has an events array.
        const events = (reference.value as { events?: unknown } | null)?.events;
        if (!Array.isArray(events)) {
          assert.throws(() => parseV1Page(parseV1Json(text)), /no events array/);
          return;
        }
        const page = parseV1Page(parseV1Json(text));
        const skipped = Object.values(page.skipped).reduce((a, b) => a + b, 0);
        assert.equal(page.events.length + skipped, events.length);
      }),
      { numRuns: RUNS },
    );
  });

  test("when the ids are 1.5, 1e+23, -0, 23 digits, strings and null, then each is parsed as documented", () => {
    const page = parseV1Page(
      parseJsonExactIds(
        '{"events":[' +
          ["1.5", "1e+23", "-0", "12345678901234567890123", '"77"', '"abc"', "null", "-9223372036854775808"]
            .map((id, i) => `{"eventId":${id},"startTime":${100 + i},"eventType":"X"}`)
            .join(",") +
          "]}",
      ),
    );
    assert.deepEqual(
      page.events.map((e) => e.key),
      ["0_102", "77_104", "-9223372036854775808_107"],
    );
    assert.deepEqual(page.skipped, { invalid_id: 4, missing_id: 1 });
  });
});

describe("bad id tokens served over HTTP", () => {
  test("when a valid page carries bad id tokens, then only those events are skipped, counted by reason and logged once per drain", async () => {
    rig = await startFakeRig();
    const now = rig.clock.now();
    const tokens = ["1.5", "1e+23", "-0", "12345678901234567890123", '"abc"', "null", "5764607523034234881"];
    const good = [1, 2, 3].map((n) => `{"eventId":${n},"startTime":${now - n},"eventType":"CPU_SATURATED"}`);
    const bad = tokens.map(
      (t, i) => `{"eventId":${t},"startTime":${now - 100 - i},"eventType":"CPU_SATURATED"}`,
    );
    const body = `{"totalEventCount":10,"nextCursor":null,"events":[${[...good, ...bad].join(",")}]}`;
    rig.tenant.handler = () => ({ body });
    assert.equal(await rig.app.drainAll(), true, "the page is not failed by its bad ids");
    rig.clock.advance(60_000);
    assert.equal(await rig.app.drainAll(), true);
    const m = await rig.scrape();
    // 3 good, -0 (as 0) and the exact 64-bit id: 5 counted; 1.5, 1e+23, 23 digits, "abc": invalid; null: missing.
    assert.equal(value(m, "dynatrace_events_tracked", { environment: "test" }), 5);
    assert.equal(
      value(m, "dynatrace_events_skipped_total", { environment: "test", reason: "invalid_id" }),
      8,
    );
    assert.equal(
      value(m, "dynatrace_events_skipped_total", { environment: "test", reason: "missing_id" }),
      2,
    );
    assert.equal(value(m, "dynatrace_up", { environment: "test" }), 1);
    assert.equal(rig.logs.find("skipped events").length, 2, "one warning per drain, not per event");
  });
});
