import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { scratchDir } from "../helpers/scratch.js";

const PRESTART = new URL("../../scripts/prestart.mjs", import.meta.url).pathname;

/** A checkout without the compiler: src/ and dist/ with the given ages (seconds ago). */
function checkout(srcAge: number, distAge: number): string {
  const dir = scratchDir("dtee-prestart-");
  mkdirSync(join(dir, "src", "feed"), { recursive: true });
  mkdirSync(join(dir, "dist"));
  const src = join(dir, "src", "feed", "drainer.ts");
  const dist = join(dir, "dist", "main.js");
  writeFileSync(src, "");
  writeFileSync(dist, "");
  const now = Date.now() / 1000;
  utimesSync(src, now - srcAge, now - srcAge);
  utimesSync(dist, now - distAge, now - distAge);
  return dir;
}

const prestart = (cwd: string) => spawnSync(process.execPath, [PRESTART], { cwd, encoding: "utf8" });

describe("npm start's prestart", () => {
  test("when src/ changed after the build (a git pull), then it says so instead of running the old build silently", () => {
    const run = prestart(checkout(10, 3600));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stderr,
      "src/ is newer than dist/ (after a git pull?): run `npm ci && npm run build` first.\n",
    );
  });

  test("when the build is newer than src/, then it says nothing", () => {
    const run = prestart(checkout(3600, 10));
    assert.equal(run.status, 0);
    assert.equal(run.stderr, "");
  });
});
