import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/load-file.js";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import { DynatraceHttpError } from "../../src/dynatrace/errors.js";
import { TokenSource } from "../../src/dynatrace/token-source.js";
import { createLogger } from "../../src/log/logger.js";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { value } from "../helpers/exposition.js";
import { startHarness } from "../helpers/harness.js";
import { LogCapture } from "../helpers/log-capture.js";

const OLD = `dt0c01.${"O".repeat(24)}.${"1".repeat(64)}`;
const NEW = `dt0c01.${"N".repeat(24)}.${"2".repeat(64)}`;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "dtee-token-"));
  dirs.push(d);
  return d;
}

/** Replaces a file the way editors and `kubectl cp` do: write a temporary file, rename it over. */
function atomicWrite(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** A Secret volume as Kubernetes lays it out: `token -> ..data/token`, `..data -> ..<version>`. */
function secretVolume(token: string): { file: string; rotate(next: string): void } {
  const dir = tempDir();
  let version = 0;
  const publish = (text: string) => {
    const versionDir = join(dir, `..v${++version}`);
    mkdirSync(versionDir);
    writeFileSync(join(versionDir, "token"), text);
    symlinkSync(`..v${version}`, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  };
  publish(token);
  symlinkSync("..data/token", join(dir, "token"));
  return { file: join(dir, "token"), rotate: publish };
}

describe("TokenSource", () => {
  test("when the file is replaced by rename, then the new token is used after the check interval, logged once without the token", () => {
    const file = join(tempDir(), "token");
    writeFileSync(file, `${OLD}\n`);
    let now = 0;
    const logs = new LogCapture();
    const source = new TokenSource({ token: OLD, file, logger: createLogger("info", logs), now: () => now });
    atomicWrite(file, `${NEW}\n`);
    assert.equal(source.current(), NEW, "the first request checks");
    atomicWrite(file, OLD);
    now += 500;
    assert.equal(source.current(), NEW, "no second check within a second");
    now += 600;
    assert.equal(source.current(), OLD);
    assert.equal(logs.find("token file changed, using the new token").length, 2);
    assert.ok(logs.text.includes(file), "the log names the file");
    assert.ok(!logs.text.includes(NEW.slice(-64)) && !logs.text.includes(OLD.slice(-64)), "no token in logs");
  });

  test("when a Kubernetes Secret's ..data symlink is swapped, then the new token is used", () => {
    const volume = secretVolume(OLD);
    let now = 0;
    const source = new TokenSource({ token: OLD, file: volume.file, now: () => now });
    volume.rotate(NEW);
    now += 1000;
    assert.equal(source.current(), NEW);
  });

  test("when the file becomes empty or unreadable, then the last good token stays and one warning is logged per episode", () => {
    const file = join(tempDir(), "token");
    writeFileSync(file, OLD);
    const logs = new LogCapture();
    const source = new TokenSource({ token: OLD, file, logger: createLogger("info", logs) });
    atomicWrite(file, "  \n");
    source.refresh();
    source.refresh();
    assert.equal(source.current(), OLD);
    assert.equal(logs.find("is empty; keeping the last good token").length, 1);
    rmSync(file);
    source.refresh();
    source.refresh();
    assert.equal(source.current(), OLD);
    assert.equal(logs.find("cannot be read; keeping the last good token").length, 1);
    atomicWrite(file, NEW);
    source.refresh();
    assert.equal(source.current(), NEW);
    if (process.getuid?.() !== 0) {
      writeFileSync(file, OLD);
      chmodSync(file, 0o000);
      source.refresh();
      assert.equal(source.current(), NEW, "an unreadable file keeps the last good token");
    }
  });
});

describe("token rotation under a running exporter", () => {
  test("when the tenant accepts only a rotated token, then drains fail with 401 until the file changes and recover without restart", async () => {
    const volume = secretVolume(OLD);
    const h = await startHarness({
      sim: { token: OLD },
      env: { DYNATRACE_API_TOKEN: "", DYNATRACE_API_TOKEN_FILE: volume.file },
    });
    try {
      assert.equal(await h.drain(), true);
      h.sim.token = NEW;
      assert.equal(await h.drain(), false);
      assert.equal(h.app.statuses()[0]?.lastError?.reason, "unauthorized");
      assert.equal(value(await h.scrape(), "dynatrace_up", { environment: "test" }), 0);
      volume.rotate(NEW);
      assert.equal(await h.drain(), true, "the drain after a 401 re-reads the file");
      assert.equal(value(await h.scrape(), "dynatrace_up", { environment: "test" }), 1);
      const last = h.sim.requests.at(-1);
      assert.equal(last?.authorization, `Api-Token ${NEW}`);
      assert.equal(h.logs.find("token file changed, using the new token").length, 1);
      assert.ok(!h.logs.text.includes(NEW.slice(-64)), "the new token is not logged");
    } finally {
      await h.close();
    }
  });

  test("when the ingest token file is rotated after a 401, then the next push uses the new token", async () => {
    const sim = new SimulatedDynatrace({ token: NEW });
    await sim.listen();
    const file = join(tempDir(), "ingest-token");
    writeFileSync(file, OLD);
    const client = new DynatraceClient({
      address: { origin: new URL(sim.url).origin, basePath: "", environmentId: "sim" },
      token: new TokenSource({ token: OLD, file }),
      timeoutMs: 5000,
      userAgent: "t",
    });
    const body = JSON.stringify({
      eventType: "CUSTOM_INFO",
      title: "t",
      description: "d",
      source: "s",
      attachRules: { entityIds: ["HOST-1"] },
    });
    try {
      const err = await client.postJson("v1_push", "/api/v1/events", body).catch((e: unknown) => e);
      assert.ok(err instanceof DynatraceHttpError && err.status === 401);
      atomicWrite(file, NEW);
      await client.postJson("v1_push", "/api/v1/events", body);
      assert.equal(sim.pushed.length, 1);
    } finally {
      await client.close();
      await sim.close();
    }
  });

  test("when a config file's tokenFile is rotated and the configuration reloaded, then the environment is kept, not restarted, and drains use the new token", async () => {
    const sim = new SimulatedDynatrace({ token: OLD });
    await sim.listen();
    const volume = secretVolume(OLD);
    const file = join(tempDir(), "envs.yml");
    writeFileSync(
      file,
      `environments:\n  - name: prod\n    url: ${sim.url}\n    tokenFile: ${volume.file}\n`,
    );
    const app = createApp(loadConfig({}, file), {
      logger: createLogger("silent"),
      reloadConfig: () => loadConfig({}, file),
    });
    try {
      assert.equal(await app.drainAll(), true);
      sim.token = NEW;
      volume.rotate(NEW);
      const outcome = await app.reload();
      assert.deepEqual(outcome, { ok: true, kept: ["prod"], started: [], stopped: [] });
      assert.equal(await app.drainAll(), true);
      assert.equal(sim.requests.at(-1)?.authorization, `Api-Token ${NEW}`);
    } finally {
      await app.stop();
      await sim.close();
    }
  });
});
