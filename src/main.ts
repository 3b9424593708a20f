#!/usr/bin/env node
import { pino } from "pino";
import { type App, createApp } from "./app.js";
import { helpText, parseCli } from "./cli.js";
import { ConfigError } from "./config/errors.js";
import { loadConfig } from "./config/load-file.js";
import { maskConfig } from "./config/mask.js";
import { preflight } from "./preflight.js";
import { describeUnknown, unknownVariables } from "./config/unknown-vars.js";
import { envSecrets, scrub } from "./config/secrets.js";
import type { AppConfig } from "./config/types.js";
import { runDeadLettersCli } from "./dead-letters-cli.js";
import { type Demo, demoGrafanaBody, startDemo } from "./demo.js";
import { createLogger } from "./log/logger.js";
import { DataDirLock, describeHolder } from "./relay/data-dir-lock.js";
import { VERSION } from "./version.js";

/** Exit codes: 0 fine, 1 a run that failed (`--once`, `--check-config`), 2 a usage or config error. */
async function main(argv: string[]): Promise<number> {
  if (argv[0] === "dead-letters") return runDeadLettersCli(argv.slice(1), process.env);
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(argv);
  } catch (err) {
    process.stderr.write(`usage error: ${(err as Error).message} (see --help)\n`);
    return 2;
  }
  if (cli.help) {
    process.stdout.write(helpText());
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const userEnv = cli.webConfigFile ? { ...process.env, WEB_CONFIG_FILE: cli.webConfigFile } : process.env;
  const demo = cli.demo ? await startDemo(userEnv) : undefined;
  const unknown = unknownVariables(process.env).map(describeUnknown);
  let config: AppConfig;
  try {
    config = loadConfig(demo?.env ?? userEnv, cli.config);
    preflight(config);
  } catch (err) {
    await demo?.stop();
    if (!(err instanceof ConfigError)) throw err;
    // A misspelt variable is often why a required one is missing: say so under the error.
    process.stderr.write(`${err.toString()}\n${unknown.map((line) => `  hint: ${line}\n`).join("")}`);
    return 2;
  }
  if (cli.checkConfig && unknown.length > 0) {
    process.stderr.write(unknown.map((line) => `configuration error: ${line}\n`).join(""));
    await demo?.stop();
    return 2;
  }
  if (cli.checkConfig) {
    process.stdout.write(`${JSON.stringify(maskConfig(config), null, 2)}\n`);
    noteHeldDataDir(config);
    await demo?.stop();
    return 0;
  }
  let app: App;
  try {
    const sourceEnv = demo?.env ?? userEnv;
    const reloadConfig = () => loadConfig(sourceEnv, cli.config);
    app = createApp(
      config,
      cli.once
        ? { logger: createLogger(config.logLevel, pino.destination(2)), reloadConfig }
        : { reloadConfig },
    );
  } catch (err) {
    await demo?.stop();
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.toString()}\n`);
    return 2;
  }
  for (const line of unknown) app.logger.warn(line);
  if (cli.once) return runOnce(app, demo);
  return serve(app, config, demo);
}

/**
 * `--check-config` beside a running server is normal (checking a new file before a reload), so a
 * held RELAY_DATA_DIR is a note on stderr, not a failure: a server started now would refuse.
 */
function noteHeldDataDir(config: AppConfig): void {
  if (config.relay.tokens.length === 0 && !config.relay.allowAnonymous) return;
  const held = DataDirLock.heldBy(config.relay.dataDir);
  if (!held) return;
  process.stderr.write(
    `note: RELAY_DATA_DIR ${config.relay.dataDir} is in use by a running exporter (${describeHolder(held.holder)}); a server started with this configuration would refuse to start until it stops\n`,
  );
}

async function runOnce(app: App, demo: Demo | undefined): Promise<number> {
  const ok = await app.drainAll();
  process.stdout.write((await app.metricsText(false)).body);
  await app.stop();
  await demo?.stop();
  return ok ? 0 : 1;
}

async function serve(app: App, config: AppConfig, demo: Demo | undefined): Promise<number> {
  // Handlers go in before start: a SIGTERM arriving just after "listening" must still be graceful.
  const stopped = new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      app.logger.info({ signal }, "shutting down");
      setTimeout(() => resolve(1), 10_000).unref();
      void app
        .stop()
        .then(() => demo?.stop())
        .then(() => resolve(0));
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGHUP", () => void app.reload());
  });
  let port: number;
  try {
    ({ port } = await app.start());
  } catch (err) {
    const problem = listenProblem(err, config);
    if (!problem) throw err;
    await app.stop();
    await demo?.stop();
    process.stderr.write(`${problem.toString()}\n`);
    return 2;
  }
  if (demo) printDemoHelp(demo, port);
  return stopped;
}

/** A listen failure that is a configuration mistake (address taken, not ours, not allowed), as one. */
function listenProblem(err: unknown, config: AppConfig): ConfigError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  const at = `${config.host}:${config.port}`;
  if (code === "EADDRINUSE") {
    return new ConfigError("PORT", `${at} is already in use: set PORT (or HOST) to a free address`);
  }
  if (code === "EACCES") {
    return new ConfigError("PORT", `${at} needs privileges to listen on: set PORT above 1023`);
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new ConfigError(
      "HOST",
      `${config.host} cannot be resolved (${code}): set HOST to an address of this machine`,
    );
  }
  if (code === "EADDRNOTAVAIL") {
    return new ConfigError("HOST", `${config.host} is not an address of this machine: set HOST`);
  }
  return undefined;
}

function printDemoHelp(demo: Demo, port: number): void {
  const base = `http://localhost:${port}`;
  const alarm = (status: string) =>
    `{"host":"web01","chart":"system.cpu","alarm":"cpu_usage","status":"${status}"}`;
  const curl = (body: string, path = "/api/v1/alarms") =>
    `  curl -H 'Authorization: Bearer ${demo.relayToken}' -H 'Content-Type: application/json' \\\n` +
    `       -d '${body}' ${base}${path}\n`;
  const startsAt = new Date().toISOString();
  process.stdout.write(
    `\nDemo running. Simulated Dynatrace at ${demo.simulator.managedUrl}\n` +
      `  its token: ${demo.simulator.token}\n` +
      `  (DEMO_SIMULATOR_PORT fixes its port; \`npm run simulator\` runs it alone)\n` +
      `  metrics:   ${base}/metrics\n  landing:   ${base}/\n  readiness: ${base}/readyz\n` +
      `Fire an alarm (it opens a problem in Dynatrace; the log says so):\n` +
      curl(alarm("CRITICAL")) +
      `Resolve it (the relay closes the problem, logged as "relay closed the problem of a resolved alert"):\n` +
      curl(alarm("CLEAR")) +
      `A Grafana alert as Grafana's webhook contact point sends it (opens a problem), then resolved:\n` +
      curl(demoGrafanaBody("firing", startsAt), "/api/v1/grafana") +
      curl(demoGrafanaBody("resolved", startsAt), "/api/v1/grafana") +
      `Press Ctrl+C to stop.\n\n`,
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Timers of libraries (keep-alive sockets, default metrics) must not hold the process open.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => {
    // Not a ConfigError, so not scrubbed by the loader: scrub here before printing.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`fatal: ${scrub(message, envSecrets(process.env))}\n`);
    process.exit(1);
  },
);
