import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { request } from "undici";
import { value } from "../helpers/exposition.js";
import { startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

const OLD = `dt0c01.${"O".repeat(24)}.${"1".repeat(64)}`;
const NEW = `dt0c01.${"N".repeat(24)}.${"2".repeat(64)}`;
const dir = mkdtempSync(join(tmpdir(), "dtee-rotate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("token rotated under a running relay and feed", () => {
  test("when the token file is rewritten by atomic rename while alarms wait and drains fail with 401, then all alarms go out with the new token and drains recover, without a restart", async () => {
    const file = join(dir, "token");
    writeFileSync(file, `${OLD}\n`);
    const h = await startHarness({
      relay: true,
      realClock: true,
      sim: { token: NEW },
      env: { DYNATRACE_API_TOKEN: "", DYNATRACE_API_TOKEN_FILE: file, HTTP_TIMEOUT: "5s" },
    });
    try {
      const base = await h.start();
      for (let i = 0; i < 20; i++) {
        const res = await request(`${base}/api/v1/alarms`, {
          method: "POST",
          headers: { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
          body: JSON.stringify({ host: `web${i}`, chart: "system.cpu", alarm: "cpu", status: "WARNING" }),
        });
        assert.equal(res.statusCode, 202);
        await res.body.dump();
      }
      const refusedPushes = () =>
        h.sim.requests.filter((r) => r.method === "POST" && r.status === 401).length;
      await until(() => refusedPushes() > 0, 10_000, "pushes refused with the old token");
      assert.equal(await h.drain(), false, "the feed is refused with the old token");
      await until(
        async () => value(await h.scrape(), "dynatrace_relay_upstream_up", { environment: "test" }) === 0,
        10_000,
        "the relay reports the upstream refusing",
      );
      assert.equal(h.sim.pushed.length, 0);

      writeFileSync(`${file}.tmp`, `${NEW}\n`);
      renameSync(`${file}.tmp`, file);

      await until(
        () => new Set(h.sim.pushed.map((p) => p.title)).size === 20,
        30_000,
        "every alarm delivered",
      );
      await until(() => h.drain(), 10_000, "a drain succeeds with the new token");
      const m = await h.scrape();
      assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
      assert.equal(value(m, "dynatrace_relay_upstream_up", { environment: "test" }), 1);
      assert.equal(value(m, "dynatrace_up", { environment: "test" }), 1);
      assert.equal(h.app.relay.summary()?.[0]?.deadLetters, 0);
      assert.ok(h.logs.find("token file changed").length >= 1, "the change is logged");
      assert.ok(!JSON.stringify(h.logs.lines).includes(NEW.slice(32)), "the token is never logged");
    } finally {
      await h.close();
    }
  });
});
