import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";

const SAAS = "https://abc12345.live.dynatrace.com";
const BASE = { DYNATRACE_URL: SAAS, DYNATRACE_API_TOKEN: "dt0c01.PARITY" };
const RELAY = { ...BASE, RELAY_TOKENS: "parity-relay-token-0123456789" };

const dir = scratchDir("dtee-parity-");
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const notPem = file("not.pem", "this is not a certificate\n");
const aFile = file("a-file", "");

/** A configuration the start refuses, and the start of the line that says why. */
interface BadConfiguration {
  name: string;
  env: Record<string, string>;
  args?: string[];
  message: RegExp;
}

const BAD: BadConfiguration[] = [
  {
    name: "a web config file that does not exist",
    env: { ...BASE, WEB_CONFIG_FILE: join(dir, "missing.yml") },
    message: /^configuration error: WEB_CONFIG_FILE: .*missing\.yml: cannot read \(ENOENT\)$/,
  },
  {
    name: "a web config file given as a flag that does not exist",
    env: BASE,
    args: ["--web.config.file", join(dir, "missing.yml")],
    message: /^configuration error: WEB_CONFIG_FILE: .*missing\.yml: cannot read \(ENOENT\)$/,
  },
  {
    name: "a plain-text password in the web config",
    env: { ...BASE, WEB_CONFIG_FILE: file("plain.yml", "basic_auth_users:\n  alice: secret\n") },
    message: /plain\.yml: basic_auth_users\.alice: not a bcrypt hash$/,
  },
  {
    name: "a misspelt key in the web config",
    env: { ...BASE, WEB_CONFIG_FILE: file("typo.yml", `tls_server_config:\n  certfile: ${notPem}\n`) },
    message: /typo\.yml: tls_server_config: unknown key certfile, did you mean cert_file\?$/,
  },
  {
    name: "a YAML syntax error in the web config",
    env: { ...BASE, WEB_CONFIG_FILE: file("syntax.yml", 'basic_auth_users:\n  alice: "unclosed\n') },
    message: /syntax\.yml:3:1: not valid YAML: Missing closing "quote$/,
  },
  {
    name: "a web config certificate file that does not exist",
    env: {
      ...BASE,
      WEB_CONFIG_FILE: file(
        "nocert.yml",
        `tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n`,
      ),
    },
    message: /nocert\.yml: tls_server_config\.cert_file: cannot read nope\.crt \(ENOENT\)$/,
  },
  {
    name: "a web config certificate that is not PEM",
    env: {
      ...BASE,
      WEB_CONFIG_FILE: file(
        "badcert.yml",
        `tls_server_config:\n  cert_file: ${notPem}\n  key_file: ${notPem}\n`,
      ),
    },
    message: /badcert\.yml: tls_server_config: the certificate, key or client CA cannot be used \(/,
  },
  {
    name: "a RELAY_DATA_DIR that is a file",
    env: { ...RELAY, RELAY_DATA_DIR: aFile },
    message: /^configuration error: RELAY_DATA_DIR: cannot use .*a-file: .*a-file is not a directory$/,
  },
  {
    name: "a RELAY_DATA_DIR that cannot be created under a file",
    env: { ...RELAY, RELAY_DATA_DIR: join(aFile, "outbox") },
    message:
      /^configuration error: RELAY_DATA_DIR: cannot use .*a-file\/outbox: .*a-file is not a directory$/,
  },
  {
    name: "a token file that does not exist",
    env: { DYNATRACE_URL: SAAS, DYNATRACE_API_TOKEN_FILE: join(dir, "no-token") },
    message: /^configuration error: DYNATRACE_API_TOKEN_FILE: /,
  },
  {
    name: "a CA file that does not exist",
    env: { ...BASE, DYNATRACE_CA_FILE: join(dir, "no-ca.pem") },
    message: /^configuration error: DYNATRACE_CA_FILE: /,
  },
  {
    name: "a CA file that is not PEM",
    env: { ...BASE, DYNATRACE_CA_FILE: notPem },
    message: /^configuration error: DYNATRACE_CA_FILE: /,
  },
  {
    name: "a token with whitespace inside (a paste mistake), its value not echoed",
    env: { DYNATRACE_URL: SAAS, DYNATRACE_API_TOKEN: "dt0c01.PASTED SECRETPART" },
    message:
      /^configuration error: DYNATRACE_API_TOKEN: contains whitespace inside it \(a paste mistake\?\): a token is one word$/,
  },
  {
    name: "a YAML syntax error in the config file",
    env: { DYNATRACE_API_TOKEN: "dt0c01.PARITY" },
    args: ["--config", file("envs.yml", 'environments:\n  - name: "prod\n')],
    message: /envs\.yml:3:1: not valid YAML: Missing closing "quote$/,
  },
];

const LISTEN = { PORT: "0", HOST: "127.0.0.1" };

describe("--check-config refuses every configuration the start refuses, with the same message", () => {
  for (const bad of BAD) {
    test(bad.name, async () => {
      const started = await runCli(bad.args ?? [], { ...bad.env, ...LISTEN }, 20_000);
      const checked = await runCli([...(bad.args ?? []), "--check-config"], bad.env);
      const firstLine = (text: string) => text.split("\n")[0] ?? "";
      assert.equal(started.code, 2, `start: ${started.stderr}${started.stdout.slice(0, 300)}`);
      assert.match(firstLine(started.stderr), bad.message);
      assert.equal(checked.code, 2, `--check-config: ${checked.stderr}${checked.stdout.slice(0, 300)}`);
      assert.equal(firstLine(checked.stderr), firstLine(started.stderr));
    });
  }
});

describe("the listen address", () => {
  test("when HOST does not resolve, then the start says so, names HOST and exits 2", async () => {
    const run = await runCli([], { ...BASE, HOST: "not-a-host.invalid", PORT: "0" }, 20_000);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      run.stderr,
      "configuration error: HOST: not-a-host.invalid cannot be resolved (ENOTFOUND): set HOST to an address of this machine\n",
    );
  });
});
