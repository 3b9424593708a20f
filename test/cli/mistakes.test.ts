import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SimulatedDynatrace } from "../../src/simulator/server.js";
import { runCli } from "../helpers/cli.js";
import { skipWithout } from "../helpers/programs.js";
import { scratchDir } from "../helpers/scratch.js";
import { makePki, startTlsFront, type TlsFront } from "../helpers/tls-tenant.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const SAAS = "https://abc12345.live.dynatrace.com";
const TOKEN = "dt0c01.MISTAKES";

/** One mistake an operator makes: what they run, and how the exporter answers. */
interface Mistake {
  /** The first cell of its row in docs/operations.md. */
  name: string;
  env: Record<string, string>;
  args?: string[];
  code: number;
  /** Printed on stderr (or stdout with `stdout`), and quoted in the docs' row. */
  message: string;
  stdout?: true;
  skip?: string | false;
}

const dir = scratchDir("dtee-mistakes-");
const typoFile = join(dir, "typo.yaml");
writeFileSync(typoFile, `environments:\n  - name: prod\n    url: ${SAAS}\n    tokenfile: /run/secrets/dt\n`);
const webTypoFile = join(dir, "web.yml");
writeFileSync(webTypoFile, "tls_server_config:\n  certfile: /etc/tls/cert.pem\n");
const busy = createServer();
let tlsFront: TlsFront | undefined;
let sim: SimulatedDynatrace | undefined;
const needsOpenssl = skipWithout("openssl");

before(async () => {
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  if (needsOpenssl === false) {
    sim = new SimulatedDynatrace();
    await sim.listen();
    tlsFront = await startTlsFront(makePki(), sim.url);
  }
});
after(async () => {
  busy.close();
  await tlsFront?.close();
  await sim?.close();
});

const busyPort = () => String((busy.address() as { port: number } | null)?.port ?? 0);

function mistakes(): Mistake[] {
  const check = ["--check-config"];
  return [
    {
      name: "No tenant address",
      env: {},
      args: check,
      code: 2,
      message: "configuration error: DYNATRACE_URL: is required, e.g. https://abc12345.live.dynatrace.com",
    },
    {
      name: "`DYNATRACE_TOKEN` instead of `DYNATRACE_API_TOKEN`",
      env: { DYNATRACE_URL: SAAS, DYNATRACE_TOKEN: TOKEN },
      args: check,
      code: 2,
      message: "hint: DYNATRACE_TOKEN: unknown variable, did you mean DYNATRACE_API_TOKEN?",
    },
    {
      name: "`DYNATRACE_ENV` instead of `DYNATRACE_ENVIRONMENT`",
      env: { DYNATRACE_URL: SAAS, DYNATRACE_API_TOKEN: TOKEN, DYNATRACE_ENV: "prod" },
      args: check,
      code: 2,
      message: "DYNATRACE_ENV: unknown variable, did you mean DYNATRACE_ENVIRONMENT?",
    },
    {
      name: "A misspelt variable",
      env: { DYNATRACE_URL: SAAS, DYNATRACE_API_TOKEN: TOKEN, DRAIN_INTERVALL: "30s" },
      args: check,
      code: 2,
      message: "DRAIN_INTERVALL: unknown variable, did you mean DRAIN_INTERVAL?",
    },
    {
      name: "A variable in lower case",
      env: { DYNATRACE_URL: SAAS, DYNATRACE_API_TOKEN: TOKEN, drain_interval: "30s" },
      args: check,
      code: 2,
      message:
        "drain_interval: unknown variable (variable names are upper case), did you mean DRAIN_INTERVAL?",
    },
    {
      name: "No token, with the v2 feed",
      env: { DYNATRACE_URL: SAAS, DYNATRACE_API_VERSION: "v2" },
      args: check,
      code: 2,
      message:
        "DYNATRACE_API_TOKEN: is required (or set DYNATRACE_API_TOKEN_FILE); with DYNATRACE_API_VERSION=v2 the token needs the events.read scope",
    },
    {
      name: "An `http://` tenant address",
      env: { DYNATRACE_URL: "http://abc12345.live.dynatrace.com", DYNATRACE_API_TOKEN: TOKEN },
      args: check,
      code: 2,
      message:
        "DYNATRACE_URL: uses http://, which would send the token unencrypted: use https://abc12345.live.dynatrace.com, or set DYNATRACE_ALLOW_HTTP=true",
    },
    {
      name: "The web UI's address (`*.apps.dynatrace.com`)",
      env: { DYNATRACE_URL: "https://abc12345.apps.dynatrace.com/ui", DYNATRACE_API_TOKEN: TOKEN },
      args: check,
      code: 2,
      message:
        "DYNATRACE_URL: is the address of the Dynatrace web UI (*.apps.dynatrace.com); the events API lives on https://abc12345.live.dynatrace.com",
    },
    {
      name: "A tenant address by IP",
      env: { DYNATRACE_URL: "https://10.0.0.7:9999/e/", DYNATRACE_API_TOKEN: TOKEN },
      args: check,
      code: 0,
      message: '"name": "10.0.0.7:9999"',
      stdout: true,
    },
    {
      name: "A misspelt key in the config file",
      env: { DYNATRACE_API_TOKEN: TOKEN },
      args: ["--check-config", "--config", typoFile],
      code: 2,
      message: "environments[0].tokenfile: unknown key, did you mean tokenFile?",
    },
    {
      name: "The port is taken",
      env: {
        DYNATRACE_URL: SAAS,
        DYNATRACE_API_TOKEN: TOKEN,
        HOST: "127.0.0.1",
        PORT: busyPort(),
        RELAY_DATA_DIR: dir,
      },
      code: 2,
      message: "is already in use: set PORT (or HOST) to a free address",
    },
    {
      name: "A token with a space inside (a paste mistake)",
      env: { DYNATRACE_URL: SAAS, DYNATRACE_API_TOKEN: `${TOKEN} PASTED` },
      args: check,
      code: 2,
      message: "DYNATRACE_API_TOKEN: contains whitespace inside it (a paste mistake?): a token is one word",
    },
    {
      name: "A web config file that `--check-config` finds wrong",
      env: { DYNATRACE_URL: SAAS, DYNATRACE_API_TOKEN: TOKEN },
      args: ["--check-config", "--web.config.file", webTypoFile],
      code: 2,
      message: "tls_server_config: unknown key certfile, did you mean cert_file?",
    },
    {
      name: "The tenant's certificate is from an internal CA",
      env: {
        DYNATRACE_URL: tlsFront?.url ?? SAAS,
        DYNATRACE_API_TOKEN: sim?.token ?? TOKEN,
        HTTP_TIMEOUT: "3s",
      },
      args: ["--once"],
      code: 1,
      message:
        "if the tenant's certificate comes from an internal CA, set DYNATRACE_CA_FILE to that CA's PEM file",
      skip: needsOpenssl,
    },
  ];
}

/** The rows of the mistakes table in docs/operations.md: first cell, and the whole row. */
function documentedRows(): Map<string, string> {
  const doc = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
  const section = doc.split("## Mistakes and what they answer")[1]?.split("\n## ")[0] ?? "";
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| Mistake") && !l.startsWith("| -"));
  return new Map(rows.map((r) => [r.split("|")[1]?.trim() ?? "", r]));
}

describe("every configuration mistake answers with the fix", () => {
  test("when docs/operations.md lists the mistakes, then its table has exactly these rows, with their exit codes and messages", () => {
    const rows = documentedRows();
    const names = mistakes().map((m) => m.name);
    assert.deepEqual([...rows.keys()].sort(), [...names].sort());
    for (const m of mistakes()) {
      const row = rows.get(m.name) ?? "";
      assert.ok(row.includes(`| ${m.code} `), `${m.name}: exit ${m.code} in the docs`);
      assert.ok(row.replaceAll("\\|", "|").includes(m.message), `${m.name}: the docs quote "${m.message}"`);
    }
  });

  for (const m of mistakes()) {
    test(
      `when the mistake is: ${m.name}, then the exporter exits ${m.code} saying so`,
      { skip: m.skip ?? false },
      async () => {
        const current = mistakes().find((x) => x.name === m.name) ?? m;
        const r = await runCli(current.args ?? [], current.env);
        assert.equal(r.code, current.code, `${r.stderr}${r.stdout}`.slice(-2000));
        assert.ok((current.stdout ? r.stdout : r.stderr).includes(current.message), r.stderr.slice(-2000));
        assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN), "the token is never echoed");
      },
    );
  }
});
