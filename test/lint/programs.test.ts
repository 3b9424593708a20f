import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { programPath } from "../helpers/programs.js";
import { scratchDir } from "../helpers/scratch.js";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A PATH holding only node: every Debian program the suite uses is missing from it. */
function nodeOnlyPath(): string {
  const dir = scratchDir("dtee-minpath-");
  symlinkSync(process.execPath, join(dir, "node"));
  return dir;
}

/** Runs test files under CI=true with `path` as PATH; what the runner printed and its exit code. */
async function runUnderCi(path: string, files: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
    cwd: ROOT,
    env: { PATH: path, CI: "true", HOME: process.env.HOME ?? "/tmp" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

describe("the Debian programs the tests need", () => {
  test("when a program is only on PATH, then it is found there", () => {
    const dir = scratchDir("dtee-fakebin-");
    const fake = join(dir, "promtool");
    writeFileSync(fake, "#!/bin/sh\nexit 0\n");
    chmodSync(fake, 0o755);
    const saved = process.env.PATH;
    process.env.PATH = dir;
    try {
      assert.equal(programPath("promtool"), fake);
    } finally {
      process.env.PATH = saved;
    }
  });

  test("when promtool is missing under CI=true, then its tests fail naming the package, the fuzz test included", async () => {
    const run = await runUnderCi(nodeOnlyPath(), [
      "test/deploy/rules.test.ts",
      "test/problems/series-cap.test.ts",
      "test/fuzz/feed-pages.test.ts",
    ]);
    assert.equal(run.code, 1, run.output.slice(-2000));
    assert.match(run.output, /needs promtool: apt-get install prometheus/);
    assert.doesNotMatch(run.output, /ENOENT|Counterexample/);
  });

  test("when openssl is missing under CI=true, then the internal-CA tests name openssl, not tinyproxy", async () => {
    const run = await runUnderCi(nodeOnlyPath(), ["test/dynatrace/proxy-and-ca.test.ts"]);
    assert.equal(run.code, 1, run.output.slice(-2000));
    assert.match(run.output, /needs openssl: apt-get install openssl/);
    assert.doesNotMatch(run.output, /ENOENT/);
    // Where tinyproxy is missing too, the proxy suite in the same file rightly names it.
    if (programPath("tinyproxy") !== undefined) assert.doesNotMatch(run.output, /apt-get install tinyproxy/);
  });
});
