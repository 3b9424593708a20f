import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { everySetting, SETTINGS } from "../../src/config/settings.js";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The user-facing pages: the README, ARCHITECTURE.md and docs/. */
const PAGES = [
  "README.md",
  "ARCHITECTURE.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const read = (page: string) => readFileSync(join(ROOT, page), "utf8");

/** Every (page, match) of `pattern` over the pages. */
function occurrences(pattern: RegExp): { page: string; match: RegExpExecArray }[] {
  return PAGES.flatMap((page) => [...read(page).matchAll(pattern)].map((match) => ({ page, match })));
}

/**
 * Names with the exporter's prefixes that the docs mention on purpose although no setting reads
 * them: the mistakes the docs show, and variables of other programs (netdata's notifier config).
 */
const NOT_SETTINGS = new Set([
  // docs/operations.md, "Mistakes and what they answer"
  "DYNATRACE_TOKEN",
  "DYNATRACE_ENV",
  "DRAIN_INTERVALL",
  // netdata's health_alarm_notify.conf (docs/relay.md)
  "DYNATRACE_SERVER",
  "DYNATRACE_SPACE",
  "DYNATRACE_TAG_VALUE",
  "DYNATRACE_ANNOTATION_TYPE",
  "DYNATRACE_EVENT",
  "SEND_DYNATRACE",
  // read by the demo, not a setting
  "DEMO_SIMULATOR_PORT",
  // placeholders and code: a type column's `severity=EVENT_TYPE`, the example declaration in
  // docs/development.md, the list of relay sources in ARCHITECTURE.md
  "EVENT_TYPE",
  "DYNATRACE_PROBE_INTERVAL",
  "RELAY_SOURCES",
]);

/** Metric families the code defines: every `dynatrace_*` name written in src/. */
function metricNamesInCode(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        for (const m of readFileSync(path, "utf8").matchAll(/["`](dynatrace_[a-z0-9_]+)/g))
          names.add(m[1] as string);
      }
    }
  };
  walk(join(ROOT, "src"));
  return names;
}

describe("the docs hold only what exists", () => {
  test("when a page links to a relative path, then the file exists", () => {
    const dead = occurrences(/\]\(([^)\s]+)\)/g)
      .map(({ page, match }) => ({ page, target: (match[1] as string).split("#")[0] as string }))
      .filter(({ target }) => target !== "" && !/^[a-z]+:/i.test(target))
      .filter(({ page, target }) => !existsSync(join(ROOT, dirname(page), target)))
      .map(({ page, target }) => `${page} -> ${target}`);
    assert.deepEqual(dead, []);
  });

  test("when a page says npm run <script>, then package.json has that script", () => {
    const scripts = Object.keys(
      (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts,
    );
    const missing = occurrences(/npm run ([a-z][\w:-]*)/g)
      .filter(({ match }) => !scripts.includes(match[1] as string))
      .map(({ page, match }) => `${page}: npm run ${match[1]}`);
    assert.deepEqual(missing, []);
  });

  test("when a page names a setting, then the exporter declares it", () => {
    const declared = new Set(everySetting(SETTINGS).flatMap((d) => (d.setting.env ? [d.setting.env] : [])));
    const prefixes =
      /(?<![$\w])((?:DYNATRACE|RELAY|DRAIN|EVENTS|EVENT|EXCLUDE|RESYNC|SHARD|ADMIN|FEED|WEB|TRUSTED|DEMO)_[A-Z0-9_]*[A-Z0-9])\b/g;
    const unknown = occurrences(prefixes)
      .map(({ page, match }) => ({ page, name: match[1] as string }))
      .filter(({ name }) => !declared.has(name) && !NOT_SETTINGS.has(name))
      .map(({ page, name }) => `${page}: ${name}`);
    assert.deepEqual([...new Set(unknown)], []);
  });

  test("when a page names a metric, then the code defines it", () => {
    const defined = metricNamesInCode();
    const known = (name: string) =>
      defined.has(name) || defined.has(name.replace(/_(bucket|count|sum|total|created)$/, ""));
    const unknown = occurrences(/\b(dynatrace_[a-z0-9_]*[a-z0-9])\b/g)
      .map(({ page, match }) => ({ page, name: match[1] as string }))
      .filter(({ name }) => !known(name))
      .map(({ page, name }) => `${page}: ${name}`);
    assert.deepEqual([...new Set(unknown)], []);
  });
});
