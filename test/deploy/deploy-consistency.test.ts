import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { parse, parseAllDocuments } from "yaml";
import { buildPrometheusRule, PROMETHEUS_RULE_FILE, RULES_FILE } from "../../deploy/prometheus-rule.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const KUBE = join(ROOT, "deploy/kubernetes");

interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function manifests(): Doc[] {
  return readdirSync(KUBE, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => parseAllDocuments(readFileSync(join(KUBE, f), "utf8")).map((d) => d.toJS() as Doc));
}

/** The `job` label Prometheus' operator gives the targets of each ServiceMonitor. */
function jobNames(docs: Doc[]): string[] {
  const services = docs.filter((d) => d.kind === "Service");
  return docs
    .filter((d) => d.kind === "ServiceMonitor")
    .flatMap((monitor) => {
      const spec = monitor.spec as { jobLabel?: string; selector: { matchLabels: Record<string, string> } };
      const selected = services.filter((s) =>
        Object.entries(spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
      );
      assert.ok(selected.length > 0, `ServiceMonitor ${monitor.metadata.name} selects no Service`);
      // Without jobLabel the job is the Service's name; with it, the value of that label.
      return selected.map((s) =>
        spec.jobLabel ? (s.metadata.labels?.[spec.jobLabel] ?? s.metadata.name) : s.metadata.name,
      );
    });
}

/** The README and every page under docs/: user documentation, where examples must match the files. */
const userDocs = () =>
  ["README.md", ...readdirSync(join(ROOT, "docs")).map((f) => join("docs", f))]
    .filter((f) => f.endsWith(".md"))
    .map((f) => readFileSync(join(ROOT, f), "utf8"))
    .join("\n");

describe("deploy files that ship together", () => {
  test("when the PrometheusRule is compared with the rules file, then it holds the same rules (npm run deploy:rules)", () => {
    const shipped = readFileSync(PROMETHEUS_RULE_FILE, "utf8");
    assert.equal(shipped, buildPrometheusRule(readFileSync(RULES_FILE, "utf8")));
    const doc = parse(shipped) as Doc;
    assert.doesNotThrow(() => new PrometheusRule(doc as never).validate());
  });

  test("when the rules select a job, then it is the job every shipped ServiceMonitor produces", () => {
    const jobs = new Set(jobNames(manifests()));
    assert.deepEqual([...jobs], ["dynatrace-events-exporter"]);
    const rules = readFileSync(RULES_FILE, "utf8");
    const selected = [...rules.matchAll(/job="([^"]+)"/g)].map((m) => m[1] as string);
    assert.ok(selected.length > 0, "the exporter-down rule selects a job");
    for (const job of selected)
      assert.ok(jobs.has(job), `rule selects job="${job}", manifests produce ${[...jobs].join(", ")}`);
    const scrapeExample = [...userDocs().matchAll(/job_name: (\S+)/g)].map((m) => m[1] as string);
    assert.ok(scrapeExample.length > 0, "the documentation shows a scrape config");
    for (const job of scrapeExample)
      assert.ok(jobs.has(job), `a documented scrape config uses job_name ${job}`);
  });

  test("when an image is named, then manifests and README use the package's version as the tag", () => {
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string })
      .version;
    const images = manifests()
      .filter((d) => d.kind === "Deployment" || d.kind === "StatefulSet")
      .flatMap(
        (d) =>
          (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers,
      )
      .map((c) => c.image);
    assert.ok(images.length >= 2);
    for (const image of images) assert.equal(image, `dynatrace-events-exporter:${version}`);
    const built = [...userDocs().matchAll(/docker build -t (\S+)/g)].map((m) => m[1]);
    assert.ok(built.length > 0, "the documentation shows how to build the image");
    for (const tag of built) assert.equal(tag, `dynatrace-events-exporter:${version}`);
  });

  test("when the image is built, then it runs the Node.js major version the tests run on and engines allows", () => {
    const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
    const majors = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    assert.ok(majors.length >= 2, "both stages name a node image");
    const running = Number(process.versions.node.split(".")[0]);
    for (const major of majors) assert.equal(major, running, "the image's Node.js is the one CI tests");
    const engines = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }
    ).engines;
    const minimum = Number(/>=\s*(\d+)/.exec(engines.node)?.[1]);
    assert.ok(running >= minimum, `engines.node ${engines.node} allows ${running}`);
  });
});
