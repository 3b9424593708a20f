import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { request } from "undici";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { ManualClock } from "../helpers/clock.js";
import { type Exporter, startExporter } from "../helpers/exporters.js";
import { type GrafanaAlertSpec, grafanaNotification } from "../helpers/grafana.js";
import { RELAY_TOKEN } from "../helpers/harness.js";
import { until } from "../helpers/wait.js";

const GRAFANA = "/api/v1/grafana";
const memory: GrafanaAlertSpec = {
  name: "HighMemory",
  instance: "web01:9100",
  severity: "critical",
  fingerprint: "c6eadffa33fcdf37",
};

let sims: SimulatedDynatrace[] = [];
let exporters: Exporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.map((e) => e.stop()));
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
  exporters = [];
});

/** A simulator on a test-driven clock and `replicas` exporters (own outboxes) relaying to it with v2. */
async function setup(replicas = 1) {
  const clock = new ManualClock();
  const sim = new SimulatedDynatrace({ clock: () => clock.now(), eventsPerMinute: 0 });
  await sim.listen();
  sims.push(sim);
  const started: Exporter[] = [];
  for (let i = 0; i < replicas; i++)
    started.push(await startExporter(sim, clock, { RELAY_API_VERSION: "v2" }));
  exporters.push(...started);
  return { sim, exporters: started };
}

/** POSTs a Grafana notification; returns the status and the answer's counts. */
async function post(e: Exporter, body: unknown) {
  const res = await request(`${e.base}${GRAFANA}`, {
    method: "POST",
    headers: { authorization: `Bearer ${RELAY_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: res.statusCode,
    body: (await res.body.json()) as { accepted: number; duplicates: number },
  };
}

/** The simulator's problems whose evidence has an alert named `alertname`. */
function problemsNamed(sim: SimulatedDynatrace, alertname: string) {
  return sim.problems.all().filter((p) => p.events.some((e) => e.properties?.alertname === alertname));
}

const isOpen = (sim: SimulatedDynatrace, alertname: string) =>
  problemsNamed(sim, alertname).some((p) => p.status === "OPEN");
const isClosed = (sim: SimulatedDynatrace, alertname: string) =>
  problemsNamed(sim, alertname).length === 1 && !isOpen(sim, alertname);

describe("Grafana alerts and Dynatrace problems", () => {
  test("when a Grafana 11 critical alert fires, then exactly one problem opens with a readable title and Grafana's links, and its resolved message closes it", async () => {
    const {
      sim,
      exporters: [a],
    } = await setup();
    assert.equal((await post(a!, grafanaNotification(11, "firing", memory))).status, 202);
    await until(() => isOpen(sim, "HighMemory"), 10_000, "problem opened");
    const [problem] = problemsNamed(sim, "HighMemory");
    assert.equal(problem?.title, "HighMemory on web01:9100");
    const props = problem?.events[0]?.properties ?? {};
    assert.equal(props["alert.key"], "grafana:c6eadffa33fcdf37");
    assert.equal(props["alert.source"], "grafana");
    assert.equal(props.dashboardURL, "https://grafana.example/d/mem01?orgId=1", "time range removed");
    assert.equal(props.panelURL, "https://grafana.example/d/mem01?orgId=1&viewPanel=2");
    assert.equal(props.runbook_url, "https://runbooks.example/memory");
    assert.match(props.generatorURL ?? "", /alerting\/grafana\/1afz29v7z/);
    assert.equal(props.severity, "critical");

    assert.equal((await post(a!, grafanaNotification(11, "resolved", memory))).status, 202);
    await until(() => isClosed(sim, "HighMemory"), 60_000, "problem closed");
    assert.match(sim.problems.closes[0]?.message ?? "", /Alert resolved: HighMemory on web01:9100/);
    assert.equal(sim.problems.all().length, 1);
    assert.equal(sim.ingested.length, 1, "no [RESOLVED] event: the close ends it");
  });

  test("when a Grafana 10 warning fires, then it is an info event with summary, description, values and links, and opens no problem", async () => {
    const {
      sim,
      exporters: [a],
    } = await setup();
    const warning = {
      name: "SlowQueries",
      instance: "db01:5432",
      severity: "warning",
      fingerprint: "0a1b2c3d4e5f",
    };
    assert.equal((await post(a!, grafanaNotification(10, "firing", warning))).status, 202);
    await until(() => sim.ingested.length === 1, 10_000, "event delivered");
    const event = sim.ingested[0] as { eventType: string; title: string; properties: Record<string, string> };
    assert.equal(event.eventType, "CUSTOM_INFO");
    assert.equal(event.title, "[FIRING] SlowQueries on db01:5432");
    assert.match(
      event.properties.description ?? "",
      /^SlowQueries on db01:5432 is firing: SlowQueries is high\n/,
    );
    assert.match(event.properties.description ?? "", /Memory of db01:5432 above 90%/);
    assert.match(event.properties.description ?? "", /Values: B=94\.25, C=1/);
    assert.equal(event.properties["value.B"], "94.25");
    assert.equal(event.properties["annotation.runbook_url"], "https://runbooks.example/memory");
    assert.match(event.properties.silenceURL ?? "", /alerting\/silence\/new/);
    assert.equal(event.properties.grafana, "https://grafana.example/");
    assert.equal(event.properties.orgId, "1");
    assert.equal(sim.problems.all().length, 0);
  });

  test("when the same Grafana notification arrives twice (HA Grafana or its retry), then it is delivered once", async () => {
    const {
      sim,
      exporters: [a],
    } = await setup();
    const first = await post(a!, grafanaNotification(11, "firing", { ...memory, severity: "info" }));
    const second = await post(a!, grafanaNotification(11, "firing", { ...memory, severity: "info" }));
    assert.deepEqual([first.body.accepted, first.body.duplicates], [1, 0]);
    assert.deepEqual([second.body.accepted, second.body.duplicates], [0, 1]);
    await until(() => sim.ingested.length === 1, 10_000, "one event delivered");
    await until(() => a!.app.relay.summary()?.[0]?.queued === 0, 10_000, "outbox empty");
    assert.equal(sim.ingested.length, 1);
  });

  test("when a Grafana 9 alert without fingerprint fires and resolves, then its labels make one alert: one problem, closed", async () => {
    const {
      sim,
      exporters: [a],
    } = await setup();
    const old = { name: "DiskFull", instance: "web02:9100", severity: "critical" };
    await post(a!, grafanaNotification(9, "firing", old));
    await post(a!, grafanaNotification(9, "firing", old)); // Grafana's retry
    await until(() => isOpen(sim, "DiskFull"), 10_000, "problem opened");
    const props = problemsNamed(sim, "DiskFull")[0]?.events[0]?.properties ?? {};
    assert.match(props["alert.key"] ?? "", /^grafana:labels:[0-9a-f]{32}$/);
    assert.equal(props.dashboardURL, undefined, "Grafana 9's empty links are left out");
    await post(a!, grafanaNotification(9, "resolved", old));
    await until(() => isClosed(sim, "DiskFull"), 60_000, "problem closed");
    assert.equal(sim.ingested.length, 1);
  });

  test("when a critical rule's query returns no data, then DatasourceNoData opens a problem named after the rule and its resolve closes it", async () => {
    const {
      sim,
      exporters: [a],
    } = await setup();
    const noData = {
      name: "DatasourceNoData",
      severity: "critical",
      fingerprint: "9f8e7d6c5b4a",
      labels: { rulename: "HighMemory", host: "web01", datasource_uid: "prom1", ref_id: "A" },
    };
    await post(a!, grafanaNotification(11, "firing", noData));
    await until(() => isOpen(sim, "DatasourceNoData"), 10_000, "problem opened");
    assert.equal(problemsNamed(sim, "DatasourceNoData")[0]?.title, "HighMemory: no data on web01");
    await post(a!, grafanaNotification(11, "resolved", noData));
    await until(() => isClosed(sim, "DatasourceNoData"), 60_000, "problem closed");
  });

  test("when a warning rule's query fails, then DatasourceError is an info event that says the query failed and why", async () => {
    const {
      sim,
      exporters: [a],
    } = await setup();
    const error = {
      name: "DatasourceError",
      severity: "warning",
      fingerprint: "1122334455",
      labels: { rulename: "HighMemory", host: "web01" },
      annotations: { Error: 'Post "http://prometheus:9090/api/v1/query": connection refused' },
    };
    await post(a!, grafanaNotification(10, "firing", error));
    await until(() => sim.ingested.length === 1, 10_000, "event delivered");
    const event = sim.ingested[0] as { eventType: string; title: string; properties: Record<string, string> };
    assert.equal(event.eventType, "CUSTOM_INFO");
    assert.equal(event.title, "[FIRING] HighMemory: query failed on web01");
    assert.match(
      event.properties.description ?? "",
      /could not be evaluated \(Grafana DatasourceError\): Post "http:\/\/prometheus:9090\/api\/v1\/query": connection refused/,
    );
    assert.equal(sim.problems.all().length, 0);
  });

  test("when two replicas share Grafana's notifications, then the firing on one and the resolve on the other open and close one problem", async () => {
    const {
      sim,
      exporters: [a, b],
    } = await setup(2);
    await post(a!, grafanaNotification(11, "firing", memory));
    const copy = await post(b!, grafanaNotification(11, "firing", memory)); // HA Grafana's copy
    assert.equal(copy.status, 202);
    await until(() => isOpen(sim, "HighMemory"), 10_000, "problem opened");
    await post(b!, grafanaNotification(11, "resolved", memory));
    await until(() => isClosed(sim, "HighMemory"), 60_000, "closed by the other replica");
    assert.equal(sim.problems.all().length, 1);
    assert.equal(sim.problems.closes.length, 1);
  });
});
