import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load-file.js";
import { createLogger } from "../../src/log/logger.js";
import { LogCapture } from "../helpers/log-capture.js";

const ROOT = new URL("../../", import.meta.url).pathname;

// Distinct secrets, one per place a secret can be configured; the fragments must leak nowhere.
const S = {
  feed: "dt0c01.FEEDPUBLICPART01.FeedSecretFeedSecret01",
  ingest: "dt0c01.INGESTPUBLIC02.IngestSecretIngest02",
  relay: "RelaySecret-RelaySecret-03",
  admin: "AdminSecret-AdminSecret-04",
  urlPass: "UrlPasswordSecret05",
  variable: "dt0c01.VARPUBLIC06.VarSecretVarSecret06",
  fileLiteral: "dt0c01.FILEPUBLIC07.FileSecretLiteral07",
  fileIngest: "dt0c01.FILEINGEST08.FileIngestSecret08",
  tokenFile: "dt0c01.TOKENFILE09.TokenFileSecret09",
};
const FRAGMENTS = Object.values(S).map((s) => (s.split(".").at(-1) as string).toLowerCase());

function assertClean(what: string, text: string): void {
  const lower = text.toLowerCase();
  for (const f of FRAGMENTS) assert.ok(!lower.includes(f), `${what} leaks ${f}: ${text.slice(0, 500)}`);
}

const dir = mkdtempSync(join(tmpdir(), "dtee-secret-errors-"));
after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));
const tokenFile = join(dir, "token");
writeFileSync(tokenFile, `${S.tokenFile}\n`);

const BASE_ENV = {
  DYNATRACE_URL: "https://abc12345.live.dynatrace.com",
  DYNATRACE_API_TOKEN: S.feed,
  DYNATRACE_INGEST_TOKEN: S.ingest,
  RELAY_TOKENS: `${S.relay},other-relay-token`,
  ADMIN_TOKENS: S.admin,
  DT_TOKEN: S.variable,
  DT_INGEST: S.ingest,
  RELAY_DATA_DIR: join(dir, "data"),
};

/** The environment beside a config file: no DYNATRACE_URL, the rest as {@link BASE_ENV}. */
const FILE_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(BASE_ENV).filter(([k]) => k !== "DYNATRACE_URL"),
);

// One mistake each; every secret is configured in every case.
const ENV_CASES: Record<string, string>[] = [
  { DYNATRACE_URL: `https://user:${S.urlPass}@abc12345.live.dynatrace.com` },
  { DYNATRACE_URL: `user:${S.urlPass}@abc12345.live.dynatrace.com` },
  { DYNATRACE_URL: `https://user:${S.urlPass}@ab c.live.dynatrace.com` },
  { DYNATRACE_URL: `ftp://user:${S.urlPass}@abc12345.live.dynatrace.com` },
  { DYNATRACE_URL: `https://abc12345.live.dynatrace.com/?api-token=${S.feed}` },
  { DYNATRACE_URL: S.feed },
  { DRAIN_INTERVAL: S.feed },
  { HTTP_TIMEOUT: S.feed.toUpperCase() },
  { EVENTS_WINDOW: `${"1h".repeat(20)}${S.feed}` },
  { LOG_LEVEL: S.ingest },
  { DYNATRACE_API_VERSION: S.relay },
  { RELAY_API_VERSION: `x${S.admin}x` },
  { RELAY_EVENT_TYPE: S.admin },
  { TRUSTED_PROXIES: `10.0.0.1,${S.relay}` },
  { RELAY_ALERTMANAGER_MAX_BODY: S.ingest },
  { WEB_MAX_CONNECTIONS: S.feed },
  { PORT: S.ingest },
  { DYNATRACE_ENVIRONMENT: `${S.feed} x` },
  { SHARD_INDEX: S.admin },
  { RELAY_MAX_AGE: S.relay.toLowerCase() },
  { DYNATRACE_API_TOKEN_FILE: tokenFile },
];

const ENVIRONMENT = `  - name: prod
    url: https://abc12345.live.dynatrace.com
    token: ${S.fileLiteral}
    ingestToken: ${S.fileIngest}
`;

// A config file with one mistake each, secrets in it and in the ${VAR}s it uses.
const FILE_CASES: string[] = [
  `${ENVIRONMENT}    window: \${DT_TOKEN}\n`,
  `${ENVIRONMENT}    drainInterval: \${DT_TOKEN}\n`,
  `${ENVIRONMENT}    apiVersion: \${DT_INGEST}\n`,
  `${ENVIRONMENT}    relay:\n      eventType: \${DT_TOKEN}\n`,
  `${ENVIRONMENT}    extra: \${DT_TOKEN}\n`,
  `${ENVIRONMENT}    overlap: 2d\n`,
  `  - name: \${DT_TOKEN}\n    url: https://abc12345.live.dynatrace.com\n    token: ${S.fileLiteral}\n`.repeat(
    2,
  ),
  `  - name: prod\n    url: https://user:\${DT_TOKEN}@abc12345.live.dynatrace.com\n    token: \${DT_TOKEN}\n`,
  `  - name: prod\n    url: https://user:${S.urlPass}@abc12345.live.dynatrace.com\n    token: ${S.fileLiteral}\n`,
  `  - name: prod\n    url: \${DT_TOKEN}\n    token: ${S.fileLiteral}\n`,
  `  - name: prod\n    url: https://abc12345.live.dynatrace.com\n    token: ${S.fileLiteral}\n    tokenFile: ${tokenFile}\n`,
  `  - name: prod\n    url: https://abc12345.live.dynatrace.com\n    token: "${S.fileLiteral}\n`,
  `  - name: prod\n    url: https://abc12345.live.dynatrace.com\n    token: \${${S.fileLiteral}}\n`,
  `${ENVIRONMENT}${ENVIRONMENT}`,
  `${ENVIRONMENT}    window: "${S.fileLiteral.toUpperCase()}"\n`,
];

function writeConfig(i: number, body: string): string {
  const file = join(dir, `environments-${i}.yml`);
  writeFileSync(file, `environments:\n${body}`);
  return file;
}

function configError(what: string, load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `${what}: a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${what}: the configuration was accepted`);
}

/** Runs the CLI in a child process with only `env` (and PATH). */
async function cli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  return { code, out };
}

describe("configuration errors keep secrets", () => {
  test(`when ${ENV_CASES.length} invalid environments carry secrets, then no error message shows one`, () => {
    for (const mistake of ENV_CASES) {
      const err = configError(JSON.stringify(mistake), () => loadConfig({ ...BASE_ENV, ...mistake }));
      assertClean(Object.keys(mistake).join(), `${err.toString()} ${err.variable} ${err.problem}`);
      assert.ok(err.toString().length < 600, "messages stay short");
    }
  });

  test(`when ${FILE_CASES.length} invalid config files carry secrets, then no error message shows one`, () => {
    FILE_CASES.forEach((body, i) => {
      const env = FILE_ENV;
      const err = configError(`file case ${i}`, () => loadConfig(env, writeConfig(i, body)));
      assertClean(`file case ${i}`, `${err.toString()} ${err.variable} ${err.problem}`);
    });
  });

  test("when the CLI meets such configurations, then neither --check-config nor a start prints a secret", async () => {
    const fileEnv = FILE_ENV;
    const runs = [
      {
        args: [],
        env: { ...BASE_ENV, DYNATRACE_URL: `https://u:${S.urlPass}@abc12345.live.dynatrace.com` },
        code: 2,
      },
      { args: ["--check-config"], env: { ...BASE_ENV, DRAIN_INTERVAL: S.ingest }, code: 2 },
      {
        args: ["--check-config", "--config", writeConfig(100, FILE_CASES[0] as string)],
        env: fileEnv,
        code: 2,
      },
      { args: ["--check-config", "--config", writeConfig(101, ENVIRONMENT)], env: fileEnv, code: 0 },
    ];
    // In parallel: each child compiles the TypeScript sources, seconds each on a busy machine.
    const results = await Promise.all(runs.map((run) => cli(run.args, run.env)));
    results.forEach((r, i) => {
      const run = runs[i] as (typeof runs)[number];
      assert.equal(r.code, run.code, r.out);
      assertClean(`cli ${run.args.join(" ")}`, r.out);
      if (run.code !== 0) assert.match(r.out, /^configuration error: /m);
    });
  });

  test("when a reload meets a bad file, then neither its 500 body nor the log shows a secret", async () => {
    const env = FILE_ENV;
    const file = writeConfig(200, ENVIRONMENT);
    const logs = new LogCapture();
    const app = createApp(loadConfig(env, file), {
      logger: createLogger("trace", logs),
      reloadConfig: () => loadConfig(env, file),
    });
    try {
      for (const [i, body] of FILE_CASES.entries()) {
        writeFileSync(file, `environments:\n${body}`);
        const res = await request(app.http)
          .post("/-/reload")
          .set("Authorization", `Bearer ${S.admin}`)
          .expect(500);
        assertClean(`reload body ${i}`, res.text);
        assert.match(res.text, /reload failed, previous configuration kept: configuration error/);
      }
      assert.equal(logs.find("configuration reload failed").length, FILE_CASES.length);
      assertClean("reload log", logs.text);
    } finally {
      await app.stop();
    }
  });
});
