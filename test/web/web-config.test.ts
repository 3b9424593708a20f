import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import bcrypt from "bcryptjs";
import { ConfigError } from "../../src/config/errors.js";
import { loadWebConfig } from "../../src/web/web-config.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { requireProgram } from "../helpers/programs.js";
import { promQuery, realProgramsSkip, startPrometheus } from "../helpers/real-programs.js";
import { until } from "../helpers/wait.js";
import { basicAuth, httpsCall } from "../helpers/web-https.js";

const dir = mkdtempSync(join(tmpdir(), "dtee-webcfg-"));
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

const PASSWORD = "scrape-password-0123";
const HASH = bcrypt.hashSync(PASSWORD, 4);

function openssl(...args: string[]): void {
  execFileSync(requireProgram("openssl"), args, { cwd: dir, stdio: "ignore" });
}

/** A CA and a server certificate for 127.0.0.1 signed by it, named `<name>.crt`/`<name>.key`. */
function makeCerts(name: string): void {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${name} CA`,
    "-keyout",
    `${name}-ca.key`,
    "-out",
    `${name}-ca.crt`,
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
  );
  writeFileSync(join(dir, `${name}.ext`), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${name}-ca.crt`,
    "-CAkey",
    `${name}-ca.key`,
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`,
  );
}

const get = httpsCall;
const basic = basicAuth;

describe("web configuration file (exporter-toolkit format)", () => {
  test("when a file has an unknown key or a bad hash, then loading names the key and never echoes the value", () => {
    const file = join(dir, "bad.yml");
    writeFileSync(file, "tls_server_config:\n  cert_fil: x\n");
    assert.throws(
      () => loadWebConfig(file),
      (e: unknown) => e instanceof ConfigError && /tls_server_config: unknown key cert_fil/.test(e.message),
    );
    writeFileSync(file, "basic_auth_users:\n  prometheus: not-a-hash-SECRET\n");
    assert.throws(
      () => loadWebConfig(file),
      (e: unknown) =>
        e instanceof ConfigError &&
        /basic_auth_users.prometheus: not a bcrypt hash/.test(e.message) &&
        !e.message.includes("SECRET"),
    );
    writeFileSync(
      file,
      "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n  min_version: TLS14\n",
    );
    assert.throws(() => loadWebConfig(file), /tls_server_config.min_version: invalid value/);
  });

  test("when a node_exporter web config is given, then every key it may hold is accepted", () => {
    makeCerts("compat");
    const file = join(dir, "compat.yml");
    writeFileSync(
      file,
      [
        "tls_server_config:",
        "  cert_file: compat.crt",
        "  key_file: compat.key",
        "  client_auth_type: VerifyClientCertIfGiven",
        "  client_ca_file: compat-ca.crt",
        "  min_version: TLS12",
        "  max_version: TLS13",
        "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]",
        "  prefer_server_cipher_suites: true",
        "  curve_preferences: [X25519]",
        "http_server_config:",
        "  http2: true",
        "  headers:",
        "    X-Frame-Options: deny",
        "basic_auth_users:",
        `  prometheus: ${HASH}`,
      ].join("\n"),
    );
    const c = loadWebConfig(file);
    assert.equal(c.tls?.minVersion, "TLSv1.2");
    assert.equal(c.tls?.clientAuth, "VerifyClientCertIfGiven");
    assert.deepEqual(c.headers, { "X-Frame-Options": "deny" });
    assert.deepEqual(c.ignored.sort(), [
      "http_server_config.http2",
      "tls_server_config.cipher_suites",
      "tls_server_config.curve_preferences",
      "tls_server_config.prefer_server_cipher_suites",
    ]);
  });

  describe("served over real TLS with basic auth", () => {
    let h: Harness;
    let base: string;
    let ca: string;
    const file = join(dir, "web.yml");
    const writeConfig = (name: string, users: Record<string, string>) => {
      const tmp = `${file}.tmp`;
      writeFileSync(
        tmp,
        [
          "tls_server_config:",
          `  cert_file: ${name}.crt`,
          `  key_file: ${name}.key`,
          "http_server_config:",
          "  headers:",
          "    X-Frame-Options: deny",
          "basic_auth_users:",
          ...Object.entries(users).map(([u, hsh]) => `  ${u}: ${hsh}`),
        ].join("\n"),
      );
      renameSync(tmp, file);
    };

    test("when started, then pages need basic auth over TLS while probes and the relay keep their own rules", async () => {
      makeCerts("one");
      ca = readFileSync(join(dir, "one-ca.crt"), "utf8");
      writeConfig("one", { prometheus: HASH });
      h = await startHarness({ relay: true, env: { WEB_CONFIG_FILE: file } });
      cleanup.push(() => h.close());
      base = (await h.start()).replace("http://", "https://");
      assert.equal(await h.drain(), true);

      const anonymous = await get(`${base}/metrics`, ca);
      assert.equal(anonymous.status, 401);
      assert.match(String(anonymous.headers["www-authenticate"]), /^Basic /);
      assert.equal((await get(`${base}/metrics`, ca, basic("prometheus", "wrong"))).status, 401);
      assert.equal((await get(`${base}/metrics`, ca, basic("nobody", PASSWORD))).status, 401);
      const ok = await get(`${base}/metrics`, ca, basic("prometheus", PASSWORD));
      assert.equal(ok.status, 200);
      assert.match(ok.body, /dynatrace_up\{environment="test"\} 1/);
      assert.equal(ok.headers["x-frame-options"], "deny");
      assert.equal((await get(`${base}/`, ca)).status, 401);
      assert.equal((await get(`${base}/-/reload`, ca, {}, "POST")).status, 401);
      assert.equal((await get(`${base}/healthz`, ca)).status, 200);
      // The relay authenticates agents with its own tokens, not with the web config's users.
      const alarm = JSON.stringify({ host: "web01", chart: "system.cpu", alarm: "cpu", status: "WARNING" });
      const relayed = await get(
        `${base}/api/v1/alarms`,
        ca,
        { authorization: `Bearer ${h.relayToken}`, "content-type": "application/json" },
        "POST",
        alarm,
      );
      assert.equal(relayed.status, 202);
    });

    test("when the users or the certificate change on disk, then the next request or connection uses them", async () => {
      const other = "another-password-456";
      writeConfig("one", { ops: bcrypt.hashSync(other, 4) });
      assert.equal((await get(`${base}/metrics`, ca, basic("prometheus", PASSWORD))).status, 401);
      assert.equal((await get(`${base}/metrics`, ca, basic("ops", other))).status, 200);

      makeCerts("two");
      const caTwo = readFileSync(join(dir, "two-ca.crt"), "utf8");
      writeConfig("two", { ops: bcrypt.hashSync(other, 4) });
      let served = "";
      await until(
        async () => {
          const r = await get(`${base}/metrics`, caTwo, basic("ops", other)).catch(() => undefined);
          served = String(r?.peer.subject?.CN ?? "");
          return r?.status === 200 && served === "two";
        },
        10_000,
        "the rotated certificate served",
      );
      assert.equal(served, "two");
    });

    test(
      "when real Prometheus scrapes with basic auth over TLS, then the target is up",
      { skip: realProgramsSkip() },
      async () => {
        const port = new URL(base).port;
        writeConfig("two", { prometheus: HASH });
        const prom = await startPrometheus({
          targets: [`127.0.0.1:${port}`],
          scrapeJob: [
            "scheme: https",
            `tls_config: { ca_file: ${JSON.stringify(join(dir, "two-ca.crt"))} }`,
            `basic_auth: { username: prometheus, password: ${JSON.stringify(PASSWORD)} }`,
          ],
        });
        cleanup.push(() => prom.stop());
        await until(
          async () => (await promQuery(prom.url, 'dynatrace_up{environment="test"}')).length === 1,
          20_000,
          "scraped",
        );
        const up = await promQuery(prom.url, 'up{job="dynatrace-events-exporter"}');
        assert.equal(up[0]?.value, 1);
      },
    );
  });
});
