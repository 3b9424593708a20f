#!/usr/bin/env node
import { pino } from "pino";
import { type App, createApp } from "./app.js";
import { helpText, parseCli } from "./cli.js";
import { ConfigError } from "./config/errors.js";
import { loadConfig } from "./config/load-file.js";
import { maskConfig } from "./config/mask.js";
import { describeUnknown, unknownVariables } from "./config/unknown-vars.js";
import { envSecrets, scrub } from "./config/secrets.js";
import type { AppConfig } from "./config/types.js";
import { runDeadLettersCli } from "./dead-letters-cli.js";
import { type Demo, startDemo } from "./demo.js";
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
  let config: AppConfig;
  try {
    config = loadConfig(demo?.env ?? userEnv, cli.config);
  } catch (err) {
    await demo?.stop();
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.toString()}\n`);
    return 2;
  }
  const unknown = unknownVariables(process.env).map(describeUnknown);
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
  return serve(app, demo);
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

async function serve(app: App, demo: Demo | undefined): Promise<number> {
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
  const { port } = await app.start();
  if (demo) printDemoHelp(demo, port);
  return stopped;
}

function printDemoHelp(demo: Demo, port: number): void {
  const base = `http://localhost:${port}`;
  const alarm = (status: string) =>
    `{"host":"web01","chart":"system.cpu","alarm":"cpu_usage","status":"${status}"}`;
  const curl = (status: string) =>
    `  curl -H 'Authorization: Bearer ${demo.relayToken}' -H 'Content-Type: application/json' \\\n` +
    `       -d '${alarm(status)}' ${base}/api/v1/alarms\n`;
  process.stdout.write(
    `\nDemo running. Simulated Dynatrace at ${demo.simulator.managedUrl}\n` +
      `  metrics:   ${base}/metrics\n  landing:   ${base}/\n  readiness: ${base}/readyz\n` +
      `Fire an alarm (it opens a problem in Dynatrace; the log says so):\n` +
      curl("CRITICAL") +
      `Resolve it (the relay closes the problem, logged as "relay closed the problem of a resolved alert"):\n` +
      curl("CLEAR") +
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
