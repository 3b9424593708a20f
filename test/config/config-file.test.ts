import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load-file.js";

const dir = mkdtempSync(join(tmpdir(), "dtee-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(text: string): string {
  const path = join(dir, `c${n++}.yml`);
  writeFileSync(path, text);
  return path;
}

function errorOf(text: string, env: Record<string, string> = {}): string {
  const path = file(text);
  try {
    loadConfig(env, path);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.toString().replace(path, "FILE");
  }
  assert.fail("expected a configuration error");
}

const GOOD = `
environments:
  - name: prod
    url: https://abc12345.live.dynatrace.com
    token: \${PROD_TOKEN}
    apiVersion: v2
    window: 12h
  - name: staging
    url: https://dt.example.com/e/0f3c6b2e-0000-4000-8000-000000000000
    tokenFile: TOKEN_FILE
    eventTypes: [CPU_SATURATED, PROCESS_CRASHED]
`;

describe("config file", () => {
  test("when the file lists environments, then each gets its settings and the variables give defaults", () => {
    const tokenFile = join(dir, "staging.token");
    writeFileSync(tokenFile, "dt0c01.STAGING\n");
    const config = loadConfig(
      { PROD_TOKEN: "dt0c01.PROD", DRAIN_INTERVAL: "30s", MAX_CONCURRENT_DRAINS: "2" },
      file(GOOD.replace("TOKEN_FILE", tokenFile)),
    );
    const [prod, staging] = config.environments;
    assert.deepEqual(
      [prod?.name, prod?.token, prod?.apiVersion, prod?.windowMs, prod?.drainIntervalMs],
      ["prod", "dt0c01.PROD", "v2", 12 * 3_600_000, 30_000],
    );
    assert.deepEqual(
      [staging?.token, staging?.apiVersion, staging?.eventTypes, staging?.address.basePath],
      [
        "dt0c01.STAGING",
        "v1",
        ["CPU_SATURATED", "PROCESS_CRASHED"],
        "/e/0f3c6b2e-0000-4000-8000-000000000000",
      ],
    );
    assert.equal(config.maxConcurrentDrains, 2);
  });

  test("when a key is unknown, then the error names its path", () => {
    assert.equal(
      errorOf(
        `environments:\n  - name: a\n    url: https://a.live.dynatrace.com\n    token: t\n    drainIntervall: 5m\n`,
      ),
      "configuration error: FILE: environments[0].drainIntervall: unknown key, did you mean drainInterval?",
    );
    assert.equal(
      errorOf(`environment: []\n`),
      "configuration error: FILE: environment: unknown key, did you mean environments?",
    );
  });

  test("when a value is wrong, then the error names the key and says why", () => {
    assert.equal(
      errorOf(
        `environments:\n  - name: a\n    url: https://a.live.dynatrace.com\n    token: t\n    window: soon\n`,
      ),
      'configuration error: FILE: environments[0].window: "soon" is not a duration (use e.g. 30s, 5m, 1h30m, or plain seconds)',
    );
    assert.equal(
      errorOf(
        `environments:\n  - name: a\n    url: https://a.live.dynatrace.com\n    token: t\n    apiVersion: v3\n`,
      ),
      'configuration error: FILE: environments[0].apiVersion: unsupported value "v3" (supported: v1, v2)',
    );
    assert.equal(
      errorOf(`environments:\n  - name: a\n    url: https://a.live.dynatrace.com\n`),
      "configuration error: FILE: environments[0]: set exactly one of token and tokenFile",
    );
    assert.equal(
      errorOf(
        `environments:\n  - {name: a, url: "https://a.live.dynatrace.com", token: t}\n  - {name: a, url: "https://b.live.dynatrace.com", token: t}\n`,
      ),
      'configuration error: FILE: environments[1].name: "a" is listed twice',
    );
  });

  test("when a value is valid as a variable, then it is valid in the file with the same bounds, from YAML or ${VAR}", () => {
    const env = (extra: string) =>
      `environments:\n  - name: a\n    url: https://a.live.dynatrace.com\n    token: t\n${extra}`;
    const config = loadConfig(
      { PAGES: "25", EVERY: "90" },
      file(env("    maxPages: ${PAGES}\n    drainInterval: ${EVERY}\n")),
    );
    assert.deepEqual(
      [config.environments[0]?.maxPages, config.environments[0]?.drainIntervalMs],
      [25, 90_000],
    );
    const cases: [string, string][] = [
      [env("    window: 3y\n"), 'environments[0].window: "3y" is out of range (1m to 2y)'],
      [
        env("    drainInterval: 500ms\n"),
        'environments[0].drainInterval: "500ms" is out of range (at least 1s)',
      ],
      [env("    overlap: 2h\n    window: 1h\n"), "environments[0].overlap: must be shorter than window"],
      [env("    eventTypes: CPU_SATURATED\n"), "environments[0].eventTypes: must be a list, e.g. [A, B]"],
      [
        "environments:\n  - url: https://a.live.dynatrace.com\n    token: t\n",
        "environments[0].name: is required",
      ],
    ];
    for (const [text, expected] of cases)
      assert.equal(errorOf(text), `configuration error: FILE: ${expected}`);
  });

  test("when a ${VAR} reference is not set, then the error names the key and the variable", () => {
    assert.equal(
      errorOf(
        `environments:\n  - name: a\n    url: https://a.live.dynatrace.com\n    token: \${NOT_SET_ANYWHERE}\n`,
      ),
      "configuration error: FILE: environments[0].token: refers to ${NOT_SET_ANYWHERE}, which is not set",
    );
  });

  test("when the file is missing or not YAML, then the error says so", () => {
    assert.throws(
      () => loadConfig({}, join(dir, "missing.yml")),
      /CONFIG_FILE: cannot read .*missing\.yml \(ENOENT\)/,
    );
    assert.match(
      errorOf("environments: [\n"),
      /^configuration error: FILE(:\d+:\d+)?: not valid YAML: [^:]*[^:\s]$/,
    );
  });

  test("when there is no file, then the single-environment variables still work", () => {
    const config = loadConfig({
      DYNATRACE_URL: "https://abc12345.live.dynatrace.com",
      DYNATRACE_API_TOKEN: "t",
    });
    assert.deepEqual(
      config.environments.map((e) => e.name),
      ["abc12345"],
    );
  });

  test("when SHARD_INDEX is not below SHARD_COUNT, then it is refused", () => {
    assert.throws(
      () =>
        loadConfig({
          DYNATRACE_URL: "https://abc12345.live.dynatrace.com",
          DYNATRACE_API_TOKEN: "t",
          SHARD_INDEX: "3",
          SHARD_COUNT: "3",
        }),
      /SHARD_INDEX: must be below SHARD_COUNT \(3\)/,
    );
  });
});

describe("config file: relay.concurrency", () => {
  test("when an environment sets relay.concurrency, then it is kept; an out-of-range value names the key", () => {
    const text = (n: number) => `
environments:
  - name: prod
    url: https://abc12345.live.dynatrace.com
    token: dt0c01.X
    relay:
      concurrency: ${n}
`;
    const config = loadConfig({}, file(text(32)));
    assert.equal(config.environments[0]?.relay?.concurrency, 32);
    assert.match(errorOf(text(0)), /concurrency/);
  });

  test("when the file has several mistakes, then the first in file order is reported, naming the file", () => {
    const env1 = (extra: string) =>
      `  - name: staging\n    url: https://abc12345.apps.dynatrace.com\n    token: dt0c01.B\n${extra}`;
    const text = (extra: string) =>
      `environments:\n  - name: prod\n    url: http://dt.example.com\n    token: dt0c01.A\n${env1(extra)}`;
    for (const extra of ["", "    apiVersion: v3\n"]) {
      assert.match(
        errorOf(text(extra)),
        /^configuration error: FILE: environments\[0\]\.url \(prod\): uses http:\/\//,
        extra || "env[1] with the web UI address",
      );
    }
  });
});
