import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { helpText } from "../../src/cli.js";
import { duration } from "../../src/config/kinds.js";
import { text } from "../../src/config/kinds-text.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { loadConfig } from "../../src/config/load-file.js";
import { maskConfig } from "../../src/config/mask.js";
import { settingsTable } from "../../src/config/reference.js";
import { setting } from "../../src/config/setting.js";
import { everySetting, SETTINGS, type Settings } from "../../src/config/settings.js";
import { unknownVariables } from "../../src/config/unknown-vars.js";
import { configErrorOf } from "../helpers/config-error.js";

// Adding a per-environment setting is this one declaration (plus the code that uses the value):
// the same `setting()` the real tables use, in the `feed` table. Nothing else is edited below.
const WITH_PROBE = {
  ...SETTINGS,
  feed: {
    ...SETTINGS.feed,
    probeInterval: setting({
      env: "DYNATRACE_PROBE_INTERVAL",
      scope: "both",
      kind: duration({ min: "10s", max: "1h" }),
      default: "5m",
      doc: "Throwaway: time between probes.",
    }),
    probeSecret: setting({
      env: "DYNATRACE_PROBE_SECRET",
      scope: "both",
      kind: text({ trim: true }),
      secret: true,
      doc: "Throwaway: a secret per environment.",
    }),
  },
} satisfies Settings;

const SECRET = "ProbeSecretValue-0123456789";
const BASE = { DYNATRACE_URL: "https://abc12345.live.dynatrace.com", DYNATRACE_API_TOKEN: "dt0c01.A.B" };
const dir = mkdtempSync(join(tmpdir(), "dtee-one-declaration-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `environments:\n${body}`);
  return path;
}

describe("one declaration per setting", () => {
  test("when a per-environment setting is declared, then its variable sets it (typed field probeIntervalMs), with its default and bounds", () => {
    const set = loadConfigFromEnv({ ...BASE, DYNATRACE_PROBE_INTERVAL: "90s" }, WITH_PROBE);
    // `probeIntervalMs` is a typed field: the config types are derived from the same declaration.
    const ms: number = set.environments[0]?.probeIntervalMs ?? -1;
    assert.equal(ms, 90_000);
    assert.equal(loadConfigFromEnv(BASE, WITH_PROBE).environments[0]?.probeIntervalMs, 300_000);
    assert.equal(
      configErrorOf(() =>
        loadConfigFromEnv({ ...BASE, DYNATRACE_PROBE_INTERVAL: "5s" }, WITH_PROBE),
      ).toString(),
      'configuration error: DYNATRACE_PROBE_INTERVAL: "5s" is out of range (10s to 1h)',
    );
  });

  test("when a per-environment setting is declared, then its file key overrides the variable for one environment, with errors naming the key path", () => {
    const path = file(
      "probe.yml",
      "  - { name: a, url: https://a.live.dynatrace.com, token: t, probeInterval: 30s }\n" +
        "  - { name: b, url: https://b.live.dynatrace.com, token: t }\n",
    );
    const config = loadConfig({ DYNATRACE_PROBE_INTERVAL: "2m" }, path, WITH_PROBE);
    assert.deepEqual(
      config.environments.map((e) => [e.name, e.probeIntervalMs]),
      [
        ["a", 30_000],
        ["b", 120_000],
      ],
    );
    const bad = file(
      "bad.yml",
      "  - { name: a, url: https://a.live.dynatrace.com, token: t, probeInterval: 2h }\n",
    );
    assert.equal(
      configErrorOf(() => loadConfig({}, bad, WITH_PROBE)).toString(),
      `configuration error: ${bad}: environments[0].probeInterval: "2h" is out of range (10s to 1h)`,
    );
    const typo = file(
      "typo.yml",
      "  - { name: a, url: https://a.live.dynatrace.com, token: t, probeIntervall: 1m }\n",
    );
    assert.match(
      configErrorOf(() => loadConfig({}, typo, WITH_PROBE)).toString(),
      /probeIntervall: unknown key, did you mean probeInterval\?$/,
    );
    assert.match(
      configErrorOf(() => loadConfig({}, path)).toString(),
      /environments\[0\]\.probeInterval: unknown key$/,
    );
  });

  test("when a setting is declared, then --help, the docs table and unknown-variable detection know it", () => {
    const help = helpText(WITH_PROBE);
    assert.match(
      help,
      /^ {2}DYNATRACE_PROBE_INTERVAL +Throwaway: time between probes\. \[duration, 10s to 1h; both: probeInterval\] Default: 5m\.$/m,
    );
    assert.ok(!helpText().includes("DYNATRACE_PROBE_INTERVAL"), "the real help is unchanged");
    assert.ok(
      settingsTable(WITH_PROBE)
        .split("\n")
        .includes(
          "| `DYNATRACE_PROBE_INTERVAL` | both: `probeInterval` | duration, 10s to 1h | `5m` | Throwaway: time between probes. |",
        ),
    );
    assert.ok(
      settingsTable(WITH_PROBE).includes("| `DYNATRACE_PROBE_SECRET` | both: `probeSecret` | text, secret |"),
    );
    assert.deepEqual(unknownVariables({ DYNATRACE_PROBE_INTERVAL: "1m" }, WITH_PROBE), []);
    assert.equal(unknownVariables({ DYNATRACE_PROBE_INTERVAL: "1m" }).length, 1, "unknown to the real table");
  });

  test("when a setting is declared, then --check-config shows it by its kind, and masks it (and scrubs errors of it) when secret", () => {
    const env = { ...BASE, DYNATRACE_PROBE_INTERVAL: "90s", DYNATRACE_PROBE_SECRET: SECRET };
    const printed = maskConfig(loadConfigFromEnv(env, WITH_PROBE), WITH_PROBE);
    const environment = (printed.environments as Record<string, unknown>[])[0];
    assert.equal(environment?.probeInterval, "1m30s");
    assert.equal(environment?.probeSecret, "<redacted>");
    assert.ok(!JSON.stringify(printed).includes(SECRET));
    const error = configErrorOf(() => loadConfigFromEnv({ ...env, DRAIN_INTERVAL: SECRET }, WITH_PROBE));
    assert.match(error.toString(), /^configuration error: DRAIN_INTERVAL: "<redacted>" is not a duration/);
  });
});

describe("the declarations", () => {
  test("when the real tables are walked, then variables and file keys are unique and every bound names a setting", () => {
    const variables = new Set<string>();
    for (const { section, name, setting: s } of everySetting(SETTINGS)) {
      assert.ok(s.env === undefined || !variables.has(s.env), `${s.env} declared twice`);
      if (s.env) variables.add(s.env);
      assert.ok(
        s.below === undefined || s.below in SETTINGS[section],
        `${section}.${name}: below ${s.below}`,
      );
      assert.ok(!s.doc.includes("\n") && s.doc.length > 0, `${section}.${name}: one doc line`);
      if (section === "feed" || section === "connection")
        assert.ok(!(name in SETTINGS), `${name} is a section`);
    }
    const keys = [...Object.keys(SETTINGS.connection), ...Object.keys(SETTINGS.feed)];
    assert.equal(new Set(keys).size, keys.length, "an environment's file keys are unique");
    assert.equal(variables.size, 56, "every variable the exporter reads is declared once");
  });
});
