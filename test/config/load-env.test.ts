import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { maskConfig } from "../../src/config/mask.js";
import { scratchDir } from "../helpers/scratch.js";

const TOKEN =
  "dt0c01.ABCDEFGHIJKLMNOPQRSTUVWX.0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
const BASE = { DYNATRACE_URL: "https://abc12345.live.dynatrace.com", DYNATRACE_API_TOKEN: TOKEN };

function errorLine(env: Record<string, string>): string {
  try {
    loadConfigFromEnv(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.toString();
  }
  assert.fail("expected a ConfigError");
}

describe("loadConfigFromEnv", () => {
  test("when only URL and token are set, then every default applies", () => {
    const c = loadConfigFromEnv(BASE);
    const e = c.environments[0];
    assert.ok(e);
    assert.equal(c.port, 9721);
    assert.equal(c.host, "0.0.0.0");
    assert.equal(c.logLevel, "info");
    assert.equal(c.httpTimeoutMs, 30_000);
    assert.equal(e.name, "abc12345");
    assert.equal(e.drainIntervalMs, 60_000);
    assert.equal(e.windowMs, 86_400_000);
    assert.equal(e.overlapMs, 120_000);
    assert.equal(e.resyncIntervalMs, 6 * 3_600_000);
    assert.deepEqual(e.eventTypes, []);
    assert.equal(e.entityId, undefined);
  });

  test("when the URL is the Managed form with a pasted API suffix, then it is normalised", () => {
    const e = loadConfigFromEnv({
      ...BASE,
      DYNATRACE_URL: "https://dt.example.com:9999/e/f00-ba7/api/v1/events/",
    }).environments[0];
    assert.deepEqual(e?.address, {
      origin: "https://dt.example.com:9999",
      basePath: "/e/f00-ba7",
      environmentId: "f00-ba7",
    });
    assert.equal(e?.name, "f00-ba7");
  });

  test("when the tenant is an IP address or a one-label name, then the label keeps the port alike", () => {
    const name = (url: string) => loadConfigFromEnv({ ...BASE, DYNATRACE_URL: url }).environments[0]?.name;
    assert.equal(name("http://127.0.0.1:9722"), "127.0.0.1:9722");
    assert.equal(name("http://localhost:9722"), "localhost:9722");
    assert.equal(name("http://localhost"), "localhost");
    assert.equal(name("https://abc12345.live.dynatrace.com:443"), "abc12345");
  });

  test("when durations, lists and the environment label are set, then they are parsed", () => {
    const e = loadConfigFromEnv({
      ...BASE,
      DRAIN_INTERVAL: "30",
      EVENTS_WINDOW: "2d",
      DRAIN_OVERLAP: "5m",
      RESYNC_INTERVAL: "1h30m",
      EVENT_TYPES: "CPU_SATURATED, CONNECTION_LOST,",
      EXCLUDE_EVENT_TYPES: "CUSTOM_INFO",
      DYNATRACE_ENVIRONMENT: "prod-eu",
      ENTITY_ID: "HOST-E371A974A078CC54",
    }).environments[0];
    assert.equal(e?.drainIntervalMs, 30_000);
    assert.equal(e?.windowMs, 172_800_000);
    assert.equal(e?.overlapMs, 300_000);
    assert.equal(e?.resyncIntervalMs, 5_400_000);
    assert.deepEqual(e?.eventTypes, ["CPU_SATURATED", "CONNECTION_LOST"]);
    assert.deepEqual(e?.excludeEventTypes, ["CUSTOM_INFO"]);
    assert.equal(e?.name, "prod-eu");
    assert.equal(e?.entityId, "HOST-E371A974A078CC54");
  });

  test("when DYNATRACE_INGEST_TOKEN is set, then the relay pushes with it; else with the API token", () => {
    assert.equal(loadConfigFromEnv(BASE).environments[0]?.ingestToken, TOKEN);
    const e = loadConfigFromEnv({ ...BASE, DYNATRACE_INGEST_TOKEN: "dt0c01.INGEST" }).environments[0];
    assert.equal(e?.ingestToken, "dt0c01.INGEST");
    assert.equal(e?.token, TOKEN);
  });

  test("when relay settings are given, then they are parsed; bad ones name the variable", () => {
    const r = loadConfigFromEnv({
      ...BASE,
      RELAY_TOKENS: "a, b",
      RELAY_API_VERSION: "v2",
      RELAY_MAX_AGE: "1h",
    }).relay;
    assert.deepEqual(r.tokens, ["a", "b"]);
    assert.equal(r.apiVersion, "v2");
    assert.equal(r.maxAgeMs, 3_600_000);
    assert.equal(r.dedupeWindowMs, 120_000);
    assert.throws(
      () => loadConfigFromEnv({ ...BASE, RELAY_EVENT_TYPE: "CPU_SATURATED" }),
      /^configuration error: RELAY_EVENT_TYPE: unsupported event type "CPU_SATURATED"/,
    );
    assert.throws(
      () => loadConfigFromEnv({ ...BASE, RELAY_QUEUE_LIMIT: "0" }),
      /RELAY_QUEUE_LIMIT: must be at least 1/,
    );
    assert.throws(
      () => loadConfigFromEnv({ ...BASE, RELAY_ALLOW_ANONYMOUS: "yes" }),
      /RELAY_ALLOW_ANONYMOUS: must be true or false/,
    );
  });

  test("when the token comes from a file, then it is read and trimmed", () => {
    const dir = scratchDir("dtee-");
    const file = join(dir, "token");
    writeFileSync(file, `${TOKEN}\n`);
    const e = loadConfigFromEnv({
      DYNATRACE_URL: BASE.DYNATRACE_URL,
      DYNATRACE_API_TOKEN_FILE: file,
    }).environments[0];
    assert.equal(e?.token, TOKEN);
    assert.equal(e?.tokenSource, `DYNATRACE_API_TOKEN_FILE (${file})`);
  });

  const cases: [string, Record<string, string>, string][] = [
    [
      "the URL is missing",
      { DYNATRACE_API_TOKEN: TOKEN },
      "configuration error: DYNATRACE_URL: is required, e.g. https://abc12345.live.dynatrace.com (or run with --demo)",
    ],
    [
      "the URL has no scheme",
      { ...BASE, DYNATRACE_URL: "abc12345.live.dynatrace.com" },
      'configuration error: DYNATRACE_URL: must start with https:// or http:// (got "abc12345.live.dynatrace.com")',
    ],
    [
      "the URL carries the token as a query parameter",
      { ...BASE, DYNATRACE_URL: "https://abc12345.live.dynatrace.com/?api-token=x" },
      "configuration error: DYNATRACE_URL: must not contain a query string or fragment; put the token in DYNATRACE_API_TOKEN",
    ],
    [
      "the token is missing",
      { DYNATRACE_URL: BASE.DYNATRACE_URL },
      "configuration error: DYNATRACE_API_TOKEN: is required (or set DYNATRACE_API_TOKEN_FILE); with DYNATRACE_API_VERSION=v1 the token needs the DataExport scope",
    ],
    [
      "the token file does not exist",
      { DYNATRACE_URL: BASE.DYNATRACE_URL, DYNATRACE_API_TOKEN_FILE: "/nonexistent/token" },
      "configuration error: DYNATRACE_API_TOKEN_FILE: cannot read /nonexistent/token (ENOENT)",
    ],
    [
      "both token sources are set",
      { ...BASE, DYNATRACE_API_TOKEN_FILE: "/etc/hostname" },
      "configuration error: DYNATRACE_API_TOKEN_FILE: set only one of DYNATRACE_API_TOKEN and DYNATRACE_API_TOKEN_FILE",
    ],
    [
      "the API version is unknown",
      { ...BASE, DYNATRACE_API_VERSION: "v3" },
      'configuration error: DYNATRACE_API_VERSION: unsupported value "v3" (supported: v1, v2)',
    ],
    [
      "a duration does not parse",
      { ...BASE, DRAIN_INTERVAL: "5x" },
      'configuration error: DRAIN_INTERVAL: "5x" is not a duration (use e.g. 30s, 5m, 1h30m, or plain seconds)',
    ],
    [
      "a duration is below its bound",
      { ...BASE, RESYNC_INTERVAL: "30s" },
      'configuration error: RESYNC_INTERVAL: "30s" is out of range (at least 1m)',
    ],
    [
      "the overlap is not shorter than the window",
      { ...BASE, EVENTS_WINDOW: "1h", DRAIN_OVERLAP: "2h" },
      "configuration error: DRAIN_OVERLAP: must be shorter than EVENTS_WINDOW",
    ],
    [
      "the port is not a number",
      { ...BASE, PORT: "http" },
      "configuration error: PORT: must be a port number",
    ],
    [
      "the log level is unknown",
      { ...BASE, LOG_LEVEL: "verbose" },
      'configuration error: LOG_LEVEL: unknown level "verbose" (use fatal, error, warn, info, debug, trace, silent)',
    ],
  ];
  for (const [when, env, expected] of cases) {
    test(`when ${when}, then the error is one line naming the variable`, () => {
      const line = errorLine(env);
      assert.equal(line, expected);
      assert.ok(!line.includes("\n"));
      assert.ok(!line.includes(TOKEN));
    });
  }

  test("when masked for printing, then no token appears", () => {
    const printed = JSON.stringify(
      maskConfig(
        loadConfigFromEnv({
          ...BASE,
          RELAY_TOKENS: "relay-secret-1",
          DYNATRACE_INGEST_TOKEN: "ingest-secret",
        }),
      ),
    );
    assert.ok(!printed.includes("relay-secret-1") && !printed.includes("ingest-secret"));
    assert.ok(!printed.includes(TOKEN));
    assert.ok(!printed.includes(TOKEN.slice(-64)));
    assert.match(printed, /"token":"<redacted>"/);
  });
});

describe("RELAY_CONCURRENCY", () => {
  test("when unset, then 16 deliveries per environment may be in flight; a bad value names the variable", () => {
    const BASE_ENV = {
      DYNATRACE_URL: "https://abc12345.live.dynatrace.com",
      DYNATRACE_API_TOKEN: "dt0c01.X",
    };
    assert.equal(loadConfigFromEnv(BASE_ENV).relay.concurrency, 16);
    assert.equal(loadConfigFromEnv({ ...BASE_ENV, RELAY_CONCURRENCY: "4" }).relay.concurrency, 4);
    assert.throws(() => loadConfigFromEnv({ ...BASE_ENV, RELAY_CONCURRENCY: "0" }), /RELAY_CONCURRENCY/);
    assert.throws(() => loadConfigFromEnv({ ...BASE_ENV, RELAY_CONCURRENCY: "1000" }), /RELAY_CONCURRENCY/);
  });
});
