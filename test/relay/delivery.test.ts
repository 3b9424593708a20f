import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { request as undiciRequest } from "undici";
import { value } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { netdataRequest } from "../helpers/netdata.js";
import { until } from "../helpers/wait.js";

let harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.map((x) => x.close()));
  harnesses = [];
});

async function relayHarness(env: Record<string, string> = {}): Promise<{ h: Harness; base: string }> {
  const h = await startHarness({ relay: true, realClock: true, env });
  harnesses.push(h);
  return { h, base: await h.start() };
}

async function post(base: string, path: string, body: unknown, token: string) {
  const res = await undiciRequest(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

const alarm = (name: string, status = "CRITICAL") => ({
  host: "web01",
  alarm: name,
  chart: "system.cpu",
  status,
});

describe("relay delivery", () => {
  test("when netdata's notifier posts to the exporter, then it gets 200 and the event reaches Dynatrace and its feed", async () => {
    const { h, base } = await relayHarness();
    const nd = netdataRequest({
      server: base,
      space: "test",
      token: h.relayToken,
      host: "web01",
      chart: "system.cpu",
      name: "10min_cpu_usage",
      status: "CRITICAL",
      tag: "production",
    });
    const res = await undiciRequest(nd.url, { method: "POST", headers: nd.headers, body: nd.body });
    assert.equal(res.statusCode, 200, "netdata counts only 200 as success");
    await res.body.dump();
    await until(() => h.sim.pushed.length === 1);
    const pushed = h.sim.pushed[0];
    assert.equal(pushed?.title, "Netdata Alarm from web01");
    assert.equal(pushed?.description, nd.description);
    assert.equal(pushed?.source, "Netdata Alarm");
    assert.deepEqual(pushed?.attachRules, {
      tagRule: [{ meTypes: ["HOST"], tags: [{ context: "CONTEXTLESS", key: "production" }] }],
    });
    assert.deepEqual(pushed?.customProperties, { description: nd.description });
    await h.drain();
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_events", { event_type: "CUSTOM_INFO", status: "CLOSED" }), 1);
    assert.equal(value(m, "dynatrace_relay_received_total", { source: "netdata", outcome: "accepted" }), 1);
    assert.equal(value(m, "dynatrace_relay_delivered_total", { environment: "test" }), 1);
    assert.equal(value(m, "dynatrace_api_requests_total", { endpoint: "v1_push", code: "200" }), 1);
    assert.equal(h.sim.requests.find((r) => r.method === "POST")?.authorization, `Api-Token ${h.sim.token}`);
  });

  test("when a native alarm arrives with RELAY_TAG set, then it is mapped the way netdata maps alarms", async () => {
    const { h, base } = await relayHarness({ RELAY_TAG: "netdata-hosts" });
    const res = await post(
      base,
      "/api/v1/alarms",
      { ...alarm("cpu_usage"), value: 97.5, units: "%", info: "CPU high" },
      h.relayToken,
    );
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { accepted: 1, duplicates: 0 });
    await until(() => h.sim.pushed.length === 1);
    const p = h.sim.pushed[0];
    assert.equal(p?.title, "Netdata Alarm from web01");
    assert.equal(p?.description, "web01 system.cpu.cpu_usage is CRITICAL");
    assert.equal(p?.eventType, "CUSTOM_INFO");
    assert.deepEqual(p?.attachRules, {
      tagRule: [{ meTypes: ["HOST"], tags: [{ context: "CONTEXTLESS", key: "netdata-hosts" }] }],
    });
    assert.deepEqual(p?.customProperties, {
      description: "web01 system.cpu.cpu_usage is CRITICAL",
      host: "web01",
      alarm: "cpu_usage",
      chart: "system.cpu",
      status: "CRITICAL",
      value: "97.5",
      units: "%",
      info: "CPU high",
    });
  });

  test("when Alertmanager sends firing then resolved, twice as an HA pair would, then each is delivered once", async () => {
    const { h, base } = await relayHarness();
    const webhook = (status: "firing" | "resolved") => ({
      version: "4",
      groupKey: '{}:{alertname="HighLatency"}',
      status,
      receiver: "dynatrace",
      externalURL: "http://alertmanager:9093",
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      alerts: [
        {
          status,
          labels: { alertname: "HighLatency", instance: "api01:9100", severity: "page" },
          annotations: { summary: "p99 over 2s" },
          startsAt: "2026-11-01T10:00:00Z",
          endsAt: status === "firing" ? "0001-01-01T00:00:00Z" : "2026-11-01T10:30:00Z",
          generatorURL: "http://prometheus/graph",
          fingerprint: "c4b0d4e8f5a1b2c3",
        },
      ],
    });
    for (const status of ["firing", "firing", "resolved", "resolved"] as const) {
      const res = await post(base, "/api/v1/alertmanager", webhook(status), h.relayToken);
      assert.equal(res.status, 202);
    }
    await until(() => h.sim.pushed.length === 2);
    const [firing, resolved] = h.sim.pushed;
    assert.equal(firing?.title, "[FIRING] HighLatency");
    assert.equal(firing?.description, "HighLatency is firing: p99 over 2s");
    assert.equal(resolved?.title, "[RESOLVED] HighLatency");
    assert.equal(resolved?.end, Date.parse("2026-11-01T10:30:00Z"));
    assert.deepEqual(firing?.attachRules, {
      tagRule: [{ meTypes: ["HOST"], tags: [{ context: "CONTEXTLESS", key: "api01" }] }],
    });
    const props = firing?.customProperties as Record<string, string>;
    assert.equal(props.severity, "page");
    assert.equal(props["annotation.summary"], "p99 over 2s");
    assert.equal(props.fingerprint, "c4b0d4e8f5a1b2c3");
    const m = await h.scrape();
    assert.equal(
      value(m, "dynatrace_relay_received_total", { source: "alertmanager", outcome: "duplicate" }),
      2,
    );
  });

  test("when Dynatrace is down and comes back, then every alarm is delivered, each alarm's transitions in order", async () => {
    const { h, base } = await relayHarness();
    h.sim.injectFault({ kind: "status", status: 503 }, 4, "push");
    h.sim.injectFault({ kind: "reset" }, 2, "push");
    // One alarm's ten transitions: one identity, so acceptance order is delivery order.
    for (let i = 0; i < 10; i++) {
      const transition = { ...alarm("a"), status: i % 2 ? "CLEAR" : "CRITICAL", time: 1_000 + i };
      assert.equal((await post(base, "/api/v1/alarms", transition, h.relayToken)).status, 202);
    }
    await until(() => h.sim.pushed.length === 10);
    const order = h.sim.pushed.map((p) => (p.customProperties as Record<string, string>).time);
    assert.deepEqual(
      order,
      Array.from({ length: 10 }, (_, i) => String(1_000 + i)),
    );
    const m = await h.scrape();
    assert.equal(
      value(m, "dynatrace_relay_delivery_failures_total", { environment: "test", reason: "server_error" }),
      4,
    );
    assert.equal(
      value(m, "dynatrace_relay_delivery_failures_total", { environment: "test", reason: "network" }),
      2,
    );
    assert.equal(value(m, "dynatrace_relay_queue_depth", { environment: "test" }), 0);
    assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
  });

  test("when Dynatrace answers 429 with Retry-After, then delivery waits that long before retrying", async () => {
    const { h, base } = await relayHarness();
    h.sim.injectFault({ kind: "status", status: 429, headers: { "retry-after": "1" } }, 1, "push");
    const sent = Date.now();
    await post(base, "/api/v1/alarms", alarm("x"), h.relayToken);
    await until(() => h.sim.pushed.length === 1);
    assert.ok(Date.now() - sent >= 1000, "retried before Retry-After elapsed");
    const m = await h.scrape();
    assert.equal(
      value(m, "dynatrace_relay_delivery_failures_total", { environment: "test", reason: "rate_limited" }),
      1,
    );
  });

  test("when Dynatrace answers a storm of 429s without headers, then everything is delivered and nothing dead-lettered", async () => {
    // The harness's 0.3 s timeout can expire on a loaded machine after the simulator took a push;
    // the retry is then a second request (at-least-once), which this count is not about.
    const { h, base } = await relayHarness({ HTTP_TIMEOUT: "5s" });
    h.sim.injectFault({ kind: "status", status: 429 }, 25, "push");
    for (let i = 0; i < 5; i++) await post(base, "/api/v1/alarms", alarm(`s${i}`), h.relayToken);
    await until(() => h.sim.pushed.length === 5, 15_000);
    const m = await h.scrape();
    assert.equal(
      value(m, "dynatrace_relay_delivery_failures_total", { environment: "test", reason: "rate_limited" }),
      25,
    );
    assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 0);
    assert.equal(
      h.sim.requests.filter((r) => r.method === "POST").length,
      30,
      "one request per attempt, no bursts",
    );
  });

  test("when Dynatrace rejects an alarm with 400, then it is dead-lettered and the next one goes through", async () => {
    const { h, base } = await relayHarness();
    h.sim.injectFault({ kind: "status", status: 400 }, 1, "push");
    await post(base, "/api/v1/alarms", alarm("bad"), h.relayToken);
    await post(base, "/api/v1/alarms", alarm("good"), h.relayToken);
    await until(() => h.sim.pushed.length === 1);
    assert.equal((h.sim.pushed[0]?.customProperties as Record<string, string>).alarm, "good");
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 1);
    assert.match(h.logs.text, /alarm dead-lettered: Dynatrace answered 400/);
  });

  test("when the same alarm is posted twice within the window, then it is delivered once", async () => {
    const { h, base } = await relayHarness();
    const first = await post(base, "/api/v1/alarms", alarm("dup"), h.relayToken);
    const second = await post(base, "/api/v1/alarms", alarm("dup"), h.relayToken);
    const other = await post(base, "/api/v1/alarms", alarm("dup", "CLEAR"), h.relayToken);
    assert.deepEqual(
      [first.body, second.body, other.body],
      [
        { accepted: 1, duplicates: 0 },
        { accepted: 0, duplicates: 1 },
        { accepted: 1, duplicates: 0 },
      ],
    );
    await until(() => h.sim.pushed.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.sim.pushed.length, 2);
  });

  test("when RELAY_API_VERSION is v2, then alarms are ingested with an entity selector and properties", async () => {
    const { h, base } = await relayHarness({ RELAY_API_VERSION: "v2", RELAY_TAG: "netdata-hosts" });
    await post(base, "/api/v1/alarms", alarm("disk_full"), h.relayToken);
    await until(() => h.sim.ingested.length === 1);
    const body = h.sim.ingested[0];
    assert.equal(body?.eventType, "CUSTOM_INFO");
    assert.equal(body?.title, "Netdata Alarm from web01");
    assert.equal(body?.entitySelector, 'type("HOST"),tag("netdata-hosts")');
    assert.equal(
      (body?.properties as Record<string, string>).description,
      "web01 system.cpu.disk_full is CRITICAL",
    );
    assert.equal(h.sim.pushed.length, 0, "nothing went to the v1 endpoint");
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_api_requests_total", { endpoint: "v2_ingest", code: "201" }), 1);
  });

  test("when RELAY_API_VERSION is v2 and no RELAY_TAG is set, then the alarm's host is selected by name", async () => {
    const { h, base } = await relayHarness({ RELAY_API_VERSION: "v2" });
    await post(base, "/api/v1/alarms", { ...alarm("load"), host: 'db "primary"' }, h.relayToken);
    await until(() => h.sim.ingested.length === 1);
    assert.equal(h.sim.ingested[0]?.entitySelector, 'type("HOST"),entityName.equals("db ~"primary~"")');
  });

  test("when a generic v1 event is pushed, then it is forwarded as validated, unknown fields dropped", async () => {
    const { h, base } = await relayHarness();
    const event = {
      eventType: "CUSTOM_DEPLOYMENT",
      source: "deploy-bot",
      deploymentName: "api",
      deploymentVersion: "1.4.2",
      attachRules: { entityIds: ["SERVICE-0123456789ABCDEF"] },
      customProperties: { commit: "abc123" },
      notAField: true,
    };
    const res = await post(base, "/api/v1/events", event, h.relayToken);
    assert.equal(res.status, 200);
    await until(() => h.sim.pushed.length === 1);
    const expected: Record<string, unknown> = { ...event };
    delete expected.notAField;
    assert.deepEqual(h.sim.pushed[0], expected);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_received_total", { source: "v1", outcome: "accepted" }), 1);
  });

  test("when a v2 ingest is posted and the upstream is v1, then it answers 201 and pushes the v1 form", async () => {
    const { h, base } = await relayHarness();
    const res = await post(
      base,
      "/api/v2/events/ingest",
      {
        eventType: "RESOURCE_CONTENTION_EVENT",
        title: "Disk slow",
        entitySelector: 'type(HOST),tag("[KUBERNETES]app:web")',
      },
      h.relayToken,
    );
    assert.equal(res.status, 201);
    assert.deepEqual(res.body, {
      reportCount: 1,
      eventIngestResults: [{ correlationId: null, status: "OK" }],
    });
    await until(() => h.sim.pushed.length === 1);
    assert.equal(h.sim.pushed[0]?.eventType, "RESOURCE_CONTENTION");
    assert.deepEqual(h.sim.pushed[0]?.attachRules, {
      tagRule: [{ meTypes: ["HOST"], tags: [{ context: "KUBERNETES", key: "app", value: "web" }] }],
    });
  });

  test("when a v2 ingest answer is 201 with a failed item, then the alarm is dead-lettered, not retried", async () => {
    const { h, base } = await relayHarness({ RELAY_API_VERSION: "v2" });
    await post(
      base,
      "/api/v2/events/ingest",
      { eventType: "CUSTOM_INFO", title: "x", entitySelector: "type(NOPE)" },
      h.relayToken,
    );
    await post(
      base,
      "/api/v2/events/ingest",
      { eventType: "CUSTOM_INFO", title: "y", entitySelector: "type(HOST)" },
      h.relayToken,
    );
    await until(() => h.sim.ingested.length === 1);
    const m = await h.scrape();
    assert.equal(value(m, "dynatrace_relay_dead_letters_total", { environment: "test" }), 1);
    assert.equal(
      value(m, "dynatrace_relay_delivery_failures_total", { environment: "test", reason: "item_rejected" }),
      1,
    );
    assert.match(h.logs.text, /INVALID_ENTITY_TYPE/);
  });

  test("when the exporter restarts with alarms queued, then the outbox survives and delivery resumes", async () => {
    const first = await relayHarness();
    first.h.sim.injectFault({ kind: "status", status: 503 }, Number.POSITIVE_INFINITY, "push");
    for (let i = 0; i < 5; i++) await post(first.base, "/api/v1/alarms", alarm(`r${i}`), first.h.relayToken);
    await first.h.app.stop();
    assert.equal(first.h.sim.pushed.length, 0);
    const second = await relayHarness({ RELAY_DATA_DIR: first.h.dataDir });
    await until(() => second.h.sim.pushed.length === 5);
    const duplicate = await post(second.base, "/api/v1/alarms", alarm("r0"), second.h.relayToken);
    assert.deepEqual(
      duplicate.body,
      { accepted: 0, duplicates: 1 },
      "duplicate keys survive the restart too",
    );
  });
});
