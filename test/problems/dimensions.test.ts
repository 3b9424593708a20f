import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadConfig } from "../../src/config/load-file.js";
import { samples, value } from "../helpers/exposition.js";
import { ProblemsTenant } from "../helpers/problems-tenant.js";
import { exporterFor, testClock } from "./exporter.js";

const MIN = 60_000;
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.splice(0)) await c();
});

const zone = (name: string) => ({ id: `mz-${name}`, name });
const host = { entityId: { id: "HOST-1", type: "HOST" } };
const service = { entityId: { id: "SERVICE-1", type: "SERVICE" } };

async function labelledTenant(now: number) {
  const t = new ProblemsTenant();
  const url = await t.listen();
  closers.push(() => t.close());
  const ev = { eventType: "CPU_SATURATED", status: "OPEN" as const, startTime: now - MIN, endTime: null };
  t.events = [
    {
      ...ev,
      eventId: "1_1",
      managementZones: [zone("Payments"), zone("Checkout")],
      entityId: host,
      entityTags: [{ key: "team", value: "red" }],
    },
    {
      ...ev,
      eventId: "2_1",
      managementZones: [zone("Payments")],
      entityId: host,
      entityTags: [{ key: "team", value: "red" }],
    },
    { ...ev, eventId: "3_1", entityId: service },
  ];
  const pr = {
    status: "OPEN" as const,
    severityLevel: "AVAILABILITY",
    impactLevel: "SERVICES",
    startTime: now - MIN,
    endTime: -1,
  };
  t.problems = [
    {
      ...pr,
      problemId: "P1",
      managementZones: [zone("Payments"), zone("Checkout")],
      rootCauseEntity: host,
      entityTags: [{ key: "team", value: "red" }],
    },
    { ...pr, problemId: "P2", managementZones: [zone("Checkout")], rootCauseEntity: service },
  ];
  return { t, url };
}

describe("opt-in dimensions and static labels", () => {
  test("when management_zone, entity_type and a tag are opted in, then events and problems count exactly, once in each of their zones", async () => {
    const clock = testClock();
    const { url } = await labelledTenant(clock.now());
    const { app, scrape } = exporterFor(url, clock, {
      dimensions: ["management_zone", "entity_type", "tag:team"],
      staticLabels: { region: "eu", owner: "sre" },
    });
    closers.push(() => app.stop());
    assert.equal(await app.drainAll(), true);
    const text = await scrape();
    const open = { environment: "t", region: "eu", owner: "sre", status: "OPEN" };
    const events = (mz: string, type: string, team: string) =>
      value(text, "dynatrace_events", { ...open, management_zone: mz, entity_type: type, tag_team: team });
    assert.equal(events("Payments", "HOST", "red"), 2);
    assert.equal(events("Checkout", "HOST", "red"), 1);
    assert.equal(events("", "SERVICE", ""), 1);
    assert.equal(samples(text, "dynatrace_events", { status: "OPEN" }).length, 3);
    const problems = (mz: string, type: string, team: string) =>
      value(text, "dynatrace_problems", { ...open, management_zone: mz, entity_type: type, tag_team: team });
    assert.equal(problems("Payments", "HOST", "red"), 1);
    assert.equal(problems("Checkout", "HOST", "red"), 1);
    assert.equal(problems("Checkout", "SERVICE", ""), 1);
    assert.match(text, /# HELP dynatrace_events .*once in each zone's series/);
    assert.match(text, /# HELP dynatrace_problems .*once in each zone's series/);
    assert.match(text, /^dynatrace_problems_up\{environment="t",region="eu",owner="sre"\} 1$/m);
  });

  test("when only static labels are set, then every event and problem series carries them and nothing else changes", async () => {
    const clock = testClock();
    const { url } = await labelledTenant(clock.now());
    const { app, scrape } = exporterFor(url, clock, { staticLabels: { team: "payments" } });
    closers.push(() => app.stop());
    await app.drainAll();
    const text = await scrape();
    assert.equal(
      value(text, "dynatrace_events", {
        environment: "t",
        team: "payments",
        event_type: "CPU_SATURATED",
        status: "OPEN",
      }),
      3,
    );
    assert.equal(samples(text, "dynatrace_events", { status: "OPEN" }).length, 1);
    assert.equal(value(text, "dynatrace_problems", { team: "payments", status: "OPEN" }), 2);
    assert.doesNotMatch(text, /management_zone/);
  });

  test("when the config file names a built-in label, a label twice or an unknown dimension, then loading fails naming the key", () => {
    const dir = mkdtempSync(join(tmpdir(), "dtee-dims-"));
    const load = (extra: string) => {
      const file = join(dir, "c.yml");
      writeFileSync(
        file,
        `environments:\n  - name: a\n    url: https://abc.live.dynatrace.com\n    token: t\n${extra}`,
      );
      return () => loadConfig({}, file);
    };
    assert.throws(
      load("    staticLabels: { environment: x }\n"),
      /staticLabels\.environment: label environment is one of the exporter's own labels/,
    );
    assert.throws(
      load('    dimensions: ["tag:a-b", "tag:a.b"]\n'),
      /dimensions\[1\]: label tag_a_b is also set by/,
    );
    assert.throws(load("    dimensions: [zone]\n"), /dimensions\[0\]: unknown dimension "zone"/);
    assert.throws(load("    staticLabels: { tag_x: y }\n"), /reserved for the opt-in dimensions/);
    assert.throws(load("    staticLabels: { 1bad: y }\n"), /not a valid label name/);
    const ok = loadConfig(
      {},
      (() => {
        const file = join(dir, "ok.yml");
        writeFileSync(
          file,
          "environments:\n  - name: a\n    url: https://abc.live.dynatrace.com\n    token: t\n    dimensions: [management_zone]\n    staticLabels: { team: x }\n    problems: on\n    maxSeries: 500\n",
        );
        return file;
      })(),
    );
    const env = ok.environments[0];
    assert.deepEqual(
      [env?.dimensions, env?.staticLabels, env?.problems, env?.maxSeries],
      [["management_zone"], { team: "x" }, "on", 500],
    );
  });
});
