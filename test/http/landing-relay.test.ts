import assert from "node:assert/strict";
import { after, test } from "node:test";
import request from "supertest";
import { type Harness, startHarness } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

let h: Harness | undefined;
after(() => h?.close());

/** The relay row's cells on the landing page, by column header. */
async function relayRow(harness: Harness): Promise<Record<string, string>> {
  const page = (await request(harness.app.http).get("/").expect(200)).text;
  const table = page.slice(page.indexOf('<table id="relay">'));
  const headers = [...table.matchAll(/<th scope="col"[^>]*>([^<]+)<\/th>/g)].map((m) => m[1] as string);
  const row = /<tr><th scope="row">test<\/th>(.*?)<\/tr>/.exec(table)?.[1] ?? "";
  const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) =>
    (m[1] as string).replace(/<[^>]+>/g, ""),
  );
  return Object.fromEntries(headers.slice(1).map((name, i) => [name, cells[i] ?? ""]));
}

test("when alarms were delivered, then the landing page counts them for a minute", async () => {
  const harness = await startHarness({ relay: true, realClock: true, env: { HTTP_TIMEOUT: "10s" } });
  h = harness;
  const base = await harness.start();
  for (const alarm of ["a", "b", "c"]) {
    const res = await request(base)
      .post("/api/v1/alarms")
      .set("Authorization", `Bearer ${harness.relayToken}`)
      .send({ host: "web01", chart: "cpu", alarm, status: "WARNING" });
    assert.equal(res.status, 202);
  }
  await until(
    async () => (await relayRow(harness))["Queued"] === "0" && harness.sim.pushed.length === 3,
    15_000,
  );
  const row = await relayRow(harness);
  assert.equal(row["Delivered, last minute"], "3");
  assert.equal(row["Dead letters held"], "0");
  assert.match(row["Upstream"] ?? "", /accepting/);
  harness.clock.advance(61_000);
  assert.equal((await relayRow(harness))["Delivered, last minute"], "0", "older deliveries leave the count");
});
