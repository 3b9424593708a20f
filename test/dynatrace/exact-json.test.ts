import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseJsonExactIds } from "../../src/dynatrace/exact-json.js";

describe("parseJsonExactIds", () => {
  test("when ids exceed 2^53, then they come back exactly as written", () => {
    const text =
      '{"nextEventId":-3132566662524695739,"events":[{"eventId":5764607523034234881},{"eventId" : 5764607523034234882}]}';
    const parsed = parseJsonExactIds(text) as {
      nextEventId: string;
      events: { eventId: string }[];
    };
    assert.equal(parsed.nextEventId, "-3132566662524695739");
    assert.deepEqual(
      parsed.events.map((e) => e.eventId),
      ["5764607523034234881", "5764607523034234882"],
    );
    // The same text through JSON.parse collapses the two ids: the reason this parser exists.
    const naive = JSON.parse(text) as { events: { eventId: number }[] };
    assert.equal(naive.events[0]?.eventId, naive.events[1]?.eventId);
  });

  test("when storedEventIds is an array of 64-bit ids, then each is exact", () => {
    const parsed = parseJsonExactIds(
      '{"storedEventIds":[-6153476110846051426, 9223372036854775807],"storedIds":[]}',
    ) as {
      storedEventIds: string[];
    };
    assert.deepEqual(parsed.storedEventIds, ["-6153476110846051426", "9223372036854775807"]);
  });

  test("when a string value contains text that looks like an id field, then the string is untouched", () => {
    const text = JSON.stringify({
      description: 'x,"eventId":12345678901234567890 {"eventId":1}',
      eventId: 7,
    });
    const parsed = parseJsonExactIds(text) as { description: string; eventId: string };
    assert.equal(parsed.description, 'x,"eventId":12345678901234567890 {"eventId":1}');
    assert.equal(parsed.eventId, "7");
  });

  test("when ids are null, then they stay null", () => {
    const parsed = parseJsonExactIds('{"nextEventId":null,"nextEventStartTms":null}') as Record<
      string,
      unknown
    >;
    assert.equal(parsed.nextEventId, null);
  });

  test("when the text is not JSON, then it throws SyntaxError", () => {
    assert.throws(() => parseJsonExactIds('{"events":[{"eventId":1,,'), SyntaxError);
  });
});
