import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import {
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../../src/config/load-file.js";
import { shardOf } from "../../src/feed/shard.js";

const ROOT = "deploy/kubernetes";
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Deployment,
  StatefulSet,
  Service,
  Secret,
  ConfigMap,
  PersistentVolumeClaim,
  ServiceMonitor,
  PrometheusRule,
  Ingress,
};

interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
type Container = {
  ports: { containerPort: number }[];
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  resources: { requests: Record<string, string> };
};
type Workload = {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
};

function manifests(): { file: string; doc: Doc }[] {
  const files = readdirSync(ROOT, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml"));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(ROOT, file), "utf8")).map((d) => {
      assert.equal(d.errors.length, 0, `${file}: ${d.errors[0]?.message}`);
      return { file, doc: d.toJS() as Doc };
    }),
  );
}

describe("Kubernetes manifests", () => {
  const all = manifests();
  const workloads = all.filter(({ doc }) => doc.kind === "Deployment" || doc.kind === "StatefulSet");

  test("when each document is checked against the Kubernetes schemas, then every one is valid", () => {
    assert.ok(all.length >= 9, `found ${all.length} documents`);
    for (const { file, doc } of all) {
      const Model = MODELS[doc.kind];
      assert.ok(Model, `${file}: no schema for kind ${doc.kind}`);
      assert.doesNotThrow(
        () => new Model(doc as never).validate(),
        `${file}: ${doc.kind} ${doc.metadata.name}`,
      );
    }
    assert.deepEqual(workloads.map(({ doc }) => doc.kind).sort(), ["Deployment", "StatefulSet"]);
  });

  test("when agents come through the Ingress, then it reaches only the relay's paths, on a relay Service's port", () => {
    type Backend = { service: { name: string; port: { name: string } } };
    type Rule = { http: { paths: { path: string; pathType: string; backend: Backend }[] } };
    const ingresses = all.filter(({ doc }) => doc.kind === "Ingress");
    assert.ok(ingresses.length >= 1, "an Ingress example");
    for (const { file, doc } of ingresses) {
      const paths = (doc.spec as { rules: Rule[] }).rules.flatMap((r) => r.http.paths);
      assert.deepEqual(paths.map((p) => p.path).sort(), ["/api/", "/e/"], `${file}: relay paths only`);
      for (const { backend } of paths) {
        const svc = all.find(
          ({ file: f, doc: d }) =>
            dirname(f) === dirname(file) && d.kind === "Service" && d.metadata.name === backend.service.name,
        );
        assert.ok(svc, `${file}: Service ${backend.service.name} is in the same setup`);
        assert.equal(
          svc.doc.metadata.labels?.["app.kubernetes.io/component"],
          "relay",
          `${file}: the relay Service`,
        );
        const ports = (svc.doc.spec as { ports: { name: string }[] }).ports.map((p) => p.name);
        assert.ok(ports.includes(backend.service.port.name), `${file}: port ${backend.service.port.name}`);
      }
    }
  });

  test("when the workloads run, then probes, port, resources and selectors fit the exporter", () => {
    for (const { file, doc } of workloads) {
      const spec = doc.spec as unknown as Workload;
      for (const [k, v] of Object.entries(spec.selector.matchLabels)) {
        assert.equal(spec.template.metadata.labels[k], v, `${file}: selector ${k}`);
      }
      const c = spec.template.spec.containers[0] as Container;
      assert.equal(c.livenessProbe.httpGet.path, "/healthz", file);
      assert.equal(c.readinessProbe.httpGet.path, "/readyz?role=relay", file);
      assert.equal(c.ports[0]?.containerPort, 9721, file);
      assert.ok(c.resources.requests.memory && c.resources.requests.cpu, `${file}: requests`);
    }
  });

  test("when a pod's feed cannot drain, then it stays in the relay Service and is still scraped", () => {
    type Svc = {
      metadata: { name: string; labels: Record<string, string> };
      spec: { selector: Record<string, string>; clusterIP?: string; publishNotReadyAddresses?: boolean };
    };
    const services = all.filter(({ doc }) => doc.kind === "Service").map(({ doc }) => doc as unknown as Svc);
    const selects = (sel: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(sel).every(([k, v]) => labels[k] === v);
    for (const { file, doc } of workloads) {
      const spec = doc.spec as unknown as Workload;
      const podLabels = spec.template.metadata.labels;
      const probe = (spec.template.spec.containers[0] as Container).readinessProbe.httpGet.path;
      assert.doesNotMatch(probe, /role=feed|^\/readyz$/, `${file}: readiness must not wait for the feed`);
      const mine = services.filter((svc) => selects(svc.spec.selector, podLabels));
      const relay = mine.filter((svc) => !svc.spec.publishNotReadyAddresses);
      assert.ok(relay.length >= 1, `${file}: a load-balanced relay Service gated by the relay probe`);
      const monitors = all.filter(({ doc: d }) => d.kind === "ServiceMonitor");
      const scraped = mine.filter((svc) =>
        monitors.some(({ doc: m }) =>
          selects(
            (m.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
            svc.metadata.labels,
          ),
        ),
      );
      assert.ok(scraped.length >= 1, `${file}: a ServiceMonitor scrapes the pods`);
      for (const svc of scraped) {
        assert.equal(
          svc.spec.publishNotReadyAddresses,
          true,
          `${svc.metadata.name}: scraped even when not ready`,
        );
        assert.equal(svc.spec.clusterIP, "None", `${svc.metadata.name}: headless, one target per pod`);
      }
      for (const svc of relay) {
        assert.ok(!scraped.includes(svc), `${svc.metadata.name}: the relay Service is not the scrape path`);
      }
    }
  });

  test("when the StatefulSet scales, then its pod index is the shard and the count is its replicas", () => {
    const sts = workloads.find(({ doc }) => doc.kind === "StatefulSet")?.doc.spec as unknown as Workload;
    const env = (sts.template.spec.containers[0] as Container).env;
    assert.equal(env.find((e) => e.name === "SHARD_COUNT")?.value, String(sts.replicas));
    assert.equal(
      env.find((e) => e.name === "SHARD_INDEX")?.valueFrom?.fieldRef?.fieldPath,
      "metadata.labels['apps.kubernetes.io/pod-index']",
    );
  });

  test("when the ConfigMap's environments file is loaded, then it is valid and every environment has a shard", () => {
    const cm = all.find(({ doc }) => doc.kind === "ConfigMap")?.doc;
    const text = cm?.data?.["environments.yml"] as string;
    const dir = mkdtempSync(join(tmpdir(), "dtee-k8s-"));
    try {
      const file = join(dir, "environments.yml");
      writeFileSync(file, text);
      const config = loadConfig({ DT_PROD_EU_TOKEN: "a", DT_PAYMENTS_TOKEN: "b" }, file);
      const shards = config.environments.map((e) => shardOf(e.name, 3));
      // Every ${NAME} in the file is an env var of the StatefulSet, from a key the Secret has.
      const sts = workloads.find(({ doc }) => doc.kind === "StatefulSet")?.doc.spec as unknown as Workload;
      const env = (sts.template.spec.containers[0] as Container).env as {
        name: string;
        valueFrom?: { secretKeyRef?: { key: string } };
      }[];
      const secret = all.find(({ doc }) => doc.kind === "Secret")?.doc as unknown as {
        stringData: Record<string, string>;
      };
      for (const [, name] of text.matchAll(/\$\{(\w+)\}/g)) {
        const key = env.find((e) => e.name === name)?.valueFrom?.secretKeyRef?.key;
        assert.ok(key && key in secret.stringData, `${name} comes from the Secret`);
      }
      assert.equal(shards.length, config.environments.length);
      assert.ok(shards.every((s) => s >= 0 && s < 3));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
