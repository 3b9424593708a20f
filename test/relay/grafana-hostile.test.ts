import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { alert as amAlert, notification as amNotification } from "../helpers/alertmanager.js";
import { ManualClock } from "../helpers/clock.js";
import { value } from "../helpers/exposition.js";
import { type Exporter, startExporter } from "../helpers/exporters.js";
import { grafanaAlert, grafanaWebhook } from "../helpers/grafana.js";
import { RELAY_TOKEN } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

// Findings of an outside attack on the Grafana intake (and the Alertmanager intake sharing its
// code): each test sends what the attacker sent and checks what reaches Dynatrace.

let sim: SimulatedDynatrace | undefined;
let exporter: Exporter | undefined;
afterEach(async () => {
  await exporter?.stop();
  await sim?.close();
  exporter = undefined;
  sim = undefined;
});

async function setup() {
  const clock = new ManualClock();
  sim = new SimulatedDynatrace({ clock: () => clock.now(), eventsPerMinute: 0 });
  await sim.listen();
  exporter = await startExporter(sim, clock, { RELAY_API_VERSION: "v2" });
  return { sim, e: exporter };
}

async function post(e: Exporter, body: unknown, path = "/api/v1/grafana") {
  const res = await fetch(`${e.base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${RELAY_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { accepted: number; duplicates: number } };
}

type Ingested = {
  title: string;
  eventType: string;
  entitySelector?: string;
  properties: Record<string, string>;
};
const ingested = (s: SimulatedDynatrace) => s.ingested as Ingested[];
const problemsOf = (s: SimulatedDynatrace, name: string) =>
  s.problems.all().filter((p) => p.events.some((ev) => ev.properties?.alertname === name));

/** A Grafana alert with `labels`, firing or resolved, fingerprint given (possibly empty). */
function alertOf(status: "firing" | "resolved", labels: Record<string, string>, fingerprint: string) {
  const a = grafanaAlert(11, status, { name: labels.alertname ?? "x", severity: "critical", fingerprint });
  return { ...a, labels: { ...a.labels, ...labels } };
}

describe("Grafana intake under hostile input", () => {
  test("when alerts carry an empty or blank fingerprint, then each is its own alarm by its labels, and a resolve closes only its own problem", async () => {
    const { sim: s, e } = await setup();
    const disk = alertOf("firing", { alertname: "DiskFull", instance: "db-1" }, "");
    const cpu = alertOf("firing", { alertname: "CpuHigh", instance: "web-9" }, "  ");
    const fired = await post(e, grafanaWebhook("firing", [disk, cpu]));
    assert.deepEqual([fired.body.accepted, fired.body.duplicates], [2, 0]);
    await until(
      () => problemsOf(s, "DiskFull").length + problemsOf(s, "CpuHigh").length === 2,
      10_000,
      "2 problems",
    );
    const keys = ingested(s).map((ev) => ev.properties["alert.key"]);
    assert.ok(
      keys.every((k) => k?.startsWith("grafana:labels:")),
      keys.join(),
    );
    assert.equal(new Set(keys).size, 2);
    const resolve = { ...disk, status: "resolved" };
    assert.equal((await post(e, grafanaWebhook("resolved", [resolve]))).status, 202);
    await until(() => s.problems.closes.length === 1, 30_000, "DiskFull closed");
    assert.equal(problemsOf(s, "CpuHigh")[0]?.status, "OPEN", "CpuHigh's problem stays open");

    const am = (i: number) => ({ ...amAlert(i), fingerprint: "" });
    const amRes = await post(e, amNotification([am(1), am(2)]), "/api/v1/alertmanager");
    assert.deepEqual([amRes.body.accepted, amRes.body.duplicates], [2, 0], "Alertmanager: same rule");
  });

  test("when alertname or severity is an Object.prototype member, then it is read as plain text", async () => {
    const { sim: s, e } = await setup();
    const names = ["constructor", "toString", "__defineGetter__"];
    const alerts = names.map((n) => ({
      ...alertOf("firing", { alertname: n, instance: "web-1", severity: "constructor" }, `proto-${n}`),
    }));
    assert.equal((await post(e, grafanaWebhook("firing", alerts))).body.accepted, 3);
    await until(() => ingested(s).length === 3, 10_000, "3 events");
    for (const n of names) {
      const ev = ingested(s).find((x) => x.properties.alertname === n);
      assert.equal(ev?.title, `[FIRING] ${n} on web-1`);
      assert.equal(ev?.eventType, "CUSTOM_INFO");
      assert.doesNotMatch(ev?.properties.description ?? "", /Grafana fired this/);
    }
  });

  test("when labels start with Dynatrace's reserved dt., then they arrive as label.dt.* and the critical alert opens its problem", async () => {
    const { sim: s, e } = await setup();
    const labels = { alertname: "Cost", instance: "web-1", "dt.cost.costcenter": "x", "DT.foo": "y" };
    assert.equal((await post(e, grafanaWebhook("firing", [alertOf("firing", labels, "dt1")]))).status, 202);
    await until(() => problemsOf(s, "Cost").length === 1, 10_000, "problem opened");
    const props = problemsOf(s, "Cost")[0]?.events[0]?.properties ?? {};
    assert.equal(props["label.dt.cost.costcenter"], "x");
    assert.equal(props["label.DT.foo"], "y");
    assert.equal(props["dt.cost.costcenter"], undefined);
  });

  test("when Dynatrace refuses a critical alert's event with a verdict, then it is dead-lettered once and no longer kept open", async () => {
    const { sim: s, e } = await setup();
    s.injectFault({ kind: "status", status: 400, body: '{"error":{"code":400}}' }, 1, "ingest");
    await post(
      e,
      grafanaWebhook("firing", [alertOf("firing", { alertname: "Refused", instance: "w" }, "r1")]),
    );
    const kept = async () =>
      value(await e.scrape(), "dynatrace_relay_alerts_kept_open", { environment: "test" });
    const dead = async () =>
      value(await e.scrape(), "dynatrace_relay_dead_letters_total", { environment: "test" });
    await until(async () => (await dead()) === 1, 10_000, "dead-lettered");
    await until(async () => (await kept()) === 0, 10_000, "no longer kept open");
  });

  test("when host and instance name different machines, then title and attachment both name the host", async () => {
    const { sim: s, e } = await setup();
    const labels = { alertname: "DatasourceError", rulename: "CPU", host: "db-2", instance: "web-1:9100" };
    await post(e, grafanaWebhook("firing", [alertOf("firing", labels, "ds1")]));
    await until(() => s.problems.all().length === 1, 10_000, "problem opened");
    assert.equal(s.problems.all()[0]?.title, "CPU: query failed on db-2");
    assert.match(ingested(s)[0]?.entitySelector ?? "", /entityName\.equals\("db-2"\)/);
  });

  test("when a notification resolves one alert twice at different severities, then the second is a duplicate, as for firing", async () => {
    const { sim: s, e } = await setup();
    const x = (severity: string) =>
      alertOf("resolved", { alertname: "Twice", instance: "w", severity }, "tw");
    const res = await post(e, grafanaWebhook("resolved", [x("critical"), x("warning")]));
    assert.deepEqual([res.body.accepted, res.body.duplicates], [1, 1]);
    const sentinel = alertOf("firing", { alertname: "Sentinel", instance: "w", severity: "info" }, "s1");
    await post(e, grafanaWebhook("firing", [sentinel]));
    await until(() => ingested(s).some((ev) => ev.properties.alertname === "Sentinel"), 10_000, "sentinel");
    assert.deepEqual(
      ingested(s).map((ev) => ev.properties.alertname),
      ["Sentinel"],
      "no [RESOLVED] event for the duplicate",
    );
  });
});
