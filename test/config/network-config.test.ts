import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loadConfigFromEnv } from "../../src/config/load-env.js";
import { loadConfig } from "../../src/config/load-file.js";
import { maskConfig } from "../../src/config/mask.js";
import { configErrorOf } from "../helpers/config-error.js";
import { proxyFor, readProxySettings } from "../../src/config/network.js";

const dir = mkdtempSync(join(tmpdir(), "dtee-netcfg-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const BASE = { DYNATRACE_URL: "https://abc12345.live.dynatrace.com", DYNATRACE_API_TOKEN: "feed-token-123" };

const configError = configErrorOf;

describe("proxy settings", () => {
  test("when both cases are set, then the lower-case variable wins, as curl reads them", () => {
    const s = readProxySettings({
      https_proxy: "http://lower:3128",
      HTTPS_PROXY: "http://upper:3128",
      NO_PROXY: "x",
    });
    assert.equal(s.httpsProxy, "http://lower:3128/");
    assert.equal(s.noProxy, "x");
  });

  test("when the proxy has no scheme, then http:// is assumed", () => {
    assert.equal(readProxySettings({ HTTP_PROXY: "proxy.corp:8080" }).httpProxy, "http://proxy.corp:8080/");
  });

  test("when a proxy URL is invalid or not http(s), then the error names the variable and never echoes the password", () => {
    const bad = configError(() =>
      loadConfigFromEnv({ ...BASE, HTTPS_PROXY: "http://bob:hunter2secret@[bad" }),
    );
    assert.equal(bad.variable, "HTTPS_PROXY");
    assert.ok(!bad.toString().includes("hunter2secret"));
    const socks = configError(() =>
      loadConfigFromEnv({ ...BASE, https_proxy: "socks5://bob:hunter2secret@h:1" }),
    );
    assert.equal(socks.variable, "https_proxy");
    assert.ok(!socks.toString().includes("hunter2secret"));
  });

  const settings = { httpProxy: "http://p:1/", httpsProxy: "http://ps:1/", noProxy: "" };
  const cases: [string, string, string | undefined][] = [
    ["https://abc.live.dynatrace.com", "", "http://ps:1/"],
    ["http://abc.example.com", "", "http://p:1/"],
    ["https://abc.live.dynatrace.com", "*", undefined],
    ["https://abc.live.dynatrace.com", "live.dynatrace.com", undefined],
    ["https://abc.live.dynatrace.com", ".dynatrace.com", undefined],
    ["https://abc.live.dynatrace.com", "*.dynatrace.com", undefined],
    ["https://abc.live.dynatrace.com", "notdynatrace.com", "http://ps:1/"],
    ["https://dt.corp:9999", "dt.corp:9999", undefined],
    ["https://dt.corp:9999", "dt.corp:443", "http://ps:1/"],
    ["https://127.0.0.1:9999", "localhost, 127.0.0.1", undefined],
    ["https://ABC.Example.COM", "example.com", undefined],
  ];
  for (const [origin, noProxy, expected] of cases) {
    test(`when NO_PROXY is "${noProxy}", then ${origin} goes ${expected ? "through the proxy" : "direct"}`, () => {
      assert.equal(proxyFor(origin, { ...settings, noProxy }), expected);
    });
  }

  test("when the configuration is printed, then the effective proxy shows without its credentials", () => {
    const config = loadConfigFromEnv({ ...BASE, HTTPS_PROXY: "http://bob:hunter2secret@proxy.corp:3128" });
    assert.equal(config.environments[0]?.proxy, "http://bob:hunter2secret@proxy.corp:3128/");
    const printed = JSON.stringify(maskConfig(config));
    assert.ok(!printed.includes("hunter2secret") && !printed.includes("bob"));
    assert.match(printed, /"proxy":"http:\/\/<redacted>@proxy.corp:3128"/);
  });
});

describe("CA file and token files", () => {
  test("when DYNATRACE_CA_FILE is missing or holds no certificate, then a ConfigError names it", () => {
    assert.equal(
      configError(() => loadConfigFromEnv({ ...BASE, DYNATRACE_CA_FILE: join(dir, "nope.pem") })).variable,
      "DYNATRACE_CA_FILE",
    );
    const notPem = write("not.pem", "hello");
    assert.match(
      configError(() => loadConfigFromEnv({ ...BASE, DYNATRACE_CA_FILE: notPem })).toString(),
      /no PEM certificate/,
    );
  });

  test("when DYNATRACE_INGEST_TOKEN_FILE is set, then the ingest token comes from it and follows it", () => {
    const file = write("ingest", "ingest-token-456\n");
    const env = loadConfigFromEnv({ ...BASE, DYNATRACE_INGEST_TOKEN_FILE: file }).environments[0];
    assert.equal(env?.ingestToken, "ingest-token-456");
    assert.equal(env?.ingestTokenFile, file);
    const both = configError(() =>
      loadConfigFromEnv({ ...BASE, DYNATRACE_INGEST_TOKEN: "a", DYNATRACE_INGEST_TOKEN_FILE: file }),
    );
    assert.equal(both.variable, "DYNATRACE_INGEST_TOKEN_FILE");
  });

  test("when only the feed token file is set, then the ingest token follows that file", () => {
    const file = write("feed", "feed-token-789");
    const env = loadConfigFromEnv({ DYNATRACE_URL: BASE.DYNATRACE_URL, DYNATRACE_API_TOKEN_FILE: file })
      .environments[0];
    assert.equal(env?.tokenFile, file);
    assert.equal(env?.ingestTokenFile, file);
  });

  test("when the config file gives caFile and ingestTokenFile per environment, then they are read, and the global CA is the default", () => {
    const own = write("own.pem", `${PEM}# own\n`);
    const global = write("global.pem", `${PEM}# global\n`);
    const ingest = write("ingest2", "ingest-abc");
    const file = write(
      "c.yml",
      `environments:
  - name: a
    url: https://a.live.dynatrace.com
    token: t1
    ingestTokenFile: ${ingest}
    caFile: ${own}
  - name: b
    url: https://b.live.dynatrace.com
    token: t2
`,
    );
    const [a, b] = loadConfig({ DYNATRACE_CA_FILE: global }, file).environments;
    assert.equal(a?.ingestToken, "ingest-abc");
    assert.equal(a?.ingestTokenFile, ingest);
    assert.match(a?.ca ?? "", /# own/);
    assert.match(b?.ca ?? "", /# global/);
    assert.equal(b?.caFile, global);
    const bad = write(
      "bad.yml",
      `environments:
  - name: a
    url: https://a.live.dynatrace.com
    token: t1
    ingestToken: x
    ingestTokenFile: ${ingest}
`,
    );
    assert.match(
      configError(() => loadConfig({}, bad)).toString(),
      /at most one of ingestToken and ingestTokenFile/,
    );
  });
});
