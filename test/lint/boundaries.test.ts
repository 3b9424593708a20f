import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { importCycles, importGraph, readSources } from "./import-graph.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

// The repository's own eslint.config.js; type-aware rules are off so that a file that exists only
// in memory can be linted (the boundary rule needs no type information).
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [{ files: ["**/*.ts"], ...tseslint.configs.disableTypeChecked }],
});

/** The boundary rule's messages for `code` as if it were the file at `path` (relative to the repo). */
async function boundaryMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("dependency boundaries (eslint no-restricted-imports)", () => {
  test("when metrics/ imports the feed's event store, then the boundary rule reports it", async () => {
    const messages = await boundaryMessages(
      "src/metrics/wrong-way.ts",
      'import type { EventStore } from "../feed/event-store.js";\nexport type Store = EventStore;\n',
    );
    assert.equal(messages.length, 1, messages.join("\n"));
    assert.match(messages[0] as string, /'\.\.\/feed\/event-store\.js' import is restricted/);
    assert.match(messages[0] as string, /metrics may import only dynatrace, log, config/);
  });

  test("when metrics/ imports the relay's outbox or the http layer, then each import is reported", async () => {
    const messages = await boundaryMessages(
      "src/metrics/wrong-way.ts",
      [
        'import type { Outbox } from "../relay/outbox.js";',
        'import { HttpError } from "../http/errors.js";',
        "export type O = Outbox;",
        "export const E = HttpError;",
      ].join("\n"),
    );
    assert.equal(messages.length, 2, messages.join("\n"));
  });

  test("when the Dynatrace client imports express or prom-client, then the rule reports both", async () => {
    const messages = await boundaryMessages(
      "src/dynatrace/wrong-way.ts",
      'import express from "express";\nimport { Registry } from "prom-client";\nexport const x = [express, Registry];\n',
    );
    assert.equal(messages.length, 2, messages.join("\n"));
    for (const m of messages) assert.match(m, /dynatrace must not depend on express or prom-client/);
  });

  test("when relay/ and feed/ import each other, then both directions are reported", async () => {
    const fromRelay = await boundaryMessages(
      "src/relay/wrong-way.ts",
      'import { EventStore } from "../feed/event-store.js";\nexport const s = EventStore;\n',
    );
    const fromFeed = await boundaryMessages(
      "src/feed/wrong-way.ts",
      'import { intake } from "../relay/intake.js";\nexport const i = intake;\n',
    );
    assert.equal(fromRelay.length, 1);
    assert.equal(fromFeed.length, 1);
  });

  test("when the simulator imports the exporter, or the exporter the simulator, then both are reported", async () => {
    const fromSimulator = await boundaryMessages(
      "src/simulator/wrong-way.ts",
      'import { VERSION } from "../version.js";\nexport const v = VERSION;\n',
    );
    const intoSimulator = await boundaryMessages(
      "src/feed/wrong-way.ts",
      'import { SimulatedDynatrace } from "../simulator/server.js";\nexport const s = SimulatedDynatrace;\n',
    );
    assert.match(fromSimulator.join(), /the simulator imports nothing from the exporter/);
    assert.equal(intoSimulator.length, 1);
  });

  test("when an import points down the layers, then the rule is silent", async () => {
    const messages = await boundaryMessages(
      "src/feed/right-way.ts",
      [
        'import type { FeedView } from "../metrics/feed-view.js";',
        'import type { FeedEvent } from "../dynatrace/feed-event.js";',
        'import type { AppConfig } from "../config/types.js";',
        "export type T = [FeedView, FeedEvent, AppConfig];",
      ].join("\n"),
    );
    assert.deepEqual(messages, []);
  });

  test("when the whole of src/ is linted, then no module breaks a boundary", async () => {
    const results = await eslint.lintFiles(["src/**/*.ts"]);
    const broken = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === "no-restricted-imports" || m.fatal)
        .map((m) => `${r.filePath}:${m.line}: ${m.message}`),
    );
    assert.ok(results.length > 100, `linted ${results.length} files`);
    assert.deepEqual(broken, []);
  });
});

describe("import cycles", () => {
  test("when two modules import each other, then the check names the cycle", () => {
    const sources = new Map([
      ["/x/a.ts", 'import type { B } from "./b.js";\nexport type A = B[];'],
      ["/x/b.ts", 'import type { A } from "./a.js";\nexport type B = A | 1;'],
      ["/x/c.ts", 'import type { A } from "./a.js";\nexport type C = A;'],
    ]);
    assert.deepEqual(importCycles(importGraph(sources), "/x"), [["a.ts", "b.ts", "a.ts"]]);
  });

  test("when src/ is read, then no module imports itself through others (type imports included)", () => {
    const sources = readSources(SRC);
    assert.ok(sources.size > 100, `read ${sources.size} files`);
    assert.deepEqual(importCycles(importGraph(sources), SRC), []);
  });
});
