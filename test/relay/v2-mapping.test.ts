import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseV2Ingest, v2ToV1 } from "../../src/relay/parse-v2.js";
import { attachRulesToSelector, toV2Ingest } from "../../src/relay/to-v2.js";
import { InvalidAlarmError } from "../../src/relay/validation-error.js";

const DEFAULTS = { eventType: "CUSTOM_INFO", source: "Netdata Alarm", tag: undefined };

describe("v1 to v2 mapping", () => {
  test("when attach rules name entities, then the selector lists them quoted", () => {
    assert.equal(attachRulesToSelector({ entityIds: ["HOST-1", "HOST-2"] }), 'entityId("HOST-1","HOST-2")');
  });

  test("when a tag has a context, a value and characters selectors reserve, then it is quoted and escaped", () => {
    const selector = attachRulesToSelector({
      tagRule: [{ meTypes: ["HOST"], tags: [{ context: "KUBERNETES", key: 'app"x', value: "a~b,c)" }] }],
    });
    assert.equal(selector, 'type("HOST"),tag("[KUBERNETES]app~"x:a~~b,c)")');
  });

  test("when a v1 event is mapped, then type spelling, title, times and properties follow v2", () => {
    const v2 = toV2Ingest({
      eventType: "RESOURCE_CONTENTION",
      source: "Netdata Alarm",
      title: "Disk full",
      description: "web01 disk is CRITICAL",
      start: 1000,
      end: 2000,
      timeoutMinutes: 30,
      attachRules: { tagRule: [{ meTypes: ["HOST"], tags: [{ context: "CONTEXTLESS", key: "prod" }] }] },
      customProperties: { host: "web01" },
      annotationType: "ignored-by-v2",
    });
    assert.deepEqual(v2, {
      eventType: "RESOURCE_CONTENTION_EVENT",
      title: "Disk full",
      startTime: 1000,
      endTime: 2000,
      timeout: 30,
      entitySelector: 'type("HOST"),tag("prod")',
      properties: {
        host: "web01",
        description: "web01 disk is CRITICAL",
        source: "Netdata Alarm",
        annotationType: "ignored-by-v2",
      },
    });
  });
});

describe("v2 to v1 mapping", () => {
  const map = (selector: string | undefined, tag?: string) => {
    const { event, key } = parseV2Ingest(
      { eventType: "WARNING", title: "t", ...(selector ? { entitySelector: selector } : {}) },
      undefined,
    );
    return v2ToV1(event, key, { ...DEFAULTS, tag }).payload;
  };

  test("when the selector names entity ids, then they become entityIds", () => {
    assert.deepEqual(map('entityId("HOST-A",HOST-B)').attachRules, { entityIds: ["HOST-A", "HOST-B"] });
  });

  test("when the selector is a type with tags, then they become one tag rule", () => {
    assert.deepEqual(map('type(HOST),tag("[AWS]team:a~"b"),tag(web)').attachRules, {
      tagRule: [
        {
          meTypes: ["HOST"],
          tags: [
            { context: "AWS", key: "team", value: 'a"b' },
            { context: "CONTEXTLESS", key: "web" },
          ],
        },
      ],
    });
    assert.equal(
      map(undefined, "netdata").eventType,
      "CUSTOM_ALERT",
      "WARNING has no v1 type; CUSTOM_ALERT is closest",
    );
  });

  test("when the selector cannot be expressed in v1, then the error says how to get v2", () => {
    assert.throws(
      () => map('type(HOST),mzName("prod")'),
      (err: unknown) => err instanceof InvalidAlarmError && /set RELAY_API_VERSION=v2/.test(err.message),
    );
    assert.throws(() => map(undefined), /RELAY_TAG is not set/);
  });
});
