import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Outbox } from "../../src/relay/outbox.js";
import { runCli } from "../helpers/cli.js";

/** Runs `dynatrace-events-exporter dead-letters ...` as a separate process. */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(["dead-letters", ...args], env);

describe("dead-letters command line", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "dtee-dlcli-"));
    dirs.push(d);
    return d;
  };

  test("when the command is used wrongly, then it exits 2 with one line and touches nothing", async () => {
    const cases: [string[], RegExp][] = [
      [["frobnicate"], /^usage error: unknown action "frobnicate"/],
      [["list", "--since", "last week"], /^usage error: since must be a duration/],
      [["purge"], /^usage error: purge needs a filter \(--environment, --since, --id\) or --all/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli([...args, "--data-dir", dir()])));
    results.forEach((r, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    });
  });

  test("when the outbox is missing, then it exits 1; with RELAY_DATA_DIR set, then that is the default", async () => {
    const empty = dir();
    const withOutbox = dir();
    new Outbox(withOutbox, { clock: Date.now, dedupeWindowMs: 1000, queueLimit: 10 }).close();
    const [missing, byEnv] = await Promise.all([
      cli(["list", "--data-dir", empty]),
      cli(["list", "--json"], { RELAY_DATA_DIR: withOutbox }),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^cannot open the outbox: .*relay-outbox\.sqlite does not exist/);
    assert.equal(byEnv.code, 0, byEnv.stderr);
    assert.deepEqual(JSON.parse(byEnv.stdout), { total: 0, deadLetters: [] });
  });
});
