#!/usr/bin/env node
import { pino } from "pino";
import { createApp } from "./app.js";
import { helpText, parseCli } from "./cli.js";
import { ConfigError } from "./config/errors.js";
import { loadConfigFromEnv } from "./config/load-env.js";
import { maskConfig } from "./config/mask.js";
import type { AppConfig } from "./config/types.js";
import { type Demo, startDemo } from "./demo.js";
import { createLogger } from "./log/logger.js";
import { renderExposition } from "./metrics/exposition.js";
import { VERSION } from "./version.js";

/** Exit codes: 0 fine, 1 a run that failed (`--once`, `--check-config`), 2 a usage or config error. */
async function main(argv: string[]): Promise<number> {
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
  const demo = cli.demo ? await startDemo(process.env) : undefined;
  let config: AppConfig;
  try {
    config = loadConfigFromEnv(demo?.env ?? process.env);
  } catch (err) {
    await demo?.stop();
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.toString()}\n`);
    return cli.checkConfig ? 1 : 2;
  }
  if (cli.checkConfig) {
    process.stdout.write(`${JSON.stringify(maskConfig(config), null, 2)}\n`);
    await demo?.stop();
    return 0;
  }
  if (cli.once) return runOnce(config, demo);
  return serve(config, demo);
}

async function runOnce(config: AppConfig, demo: Demo | undefined): Promise<number> {
  const app = createApp(config, { logger: createLogger(config.logLevel, pino.destination(2)) });
  const ok = await app.drainAll();
  process.stdout.write((await renderExposition(app.registry, false)).body);
  await app.stop();
  await demo?.stop();
  return ok ? 0 : 1;
}

async function serve(config: AppConfig, demo: Demo | undefined): Promise<number> {
  const app = createApp(config);
  const { port } = await app.start();
  if (demo) {
    const base = `http://localhost:${port}`;
    process.stdout.write(
      `\nDemo running. Simulated Dynatrace at ${demo.simulator.managedUrl}\n` +
        `  metrics:   ${base}/metrics\n  landing:   ${base}/\n  readiness: ${base}/readyz\nPress Ctrl+C to stop.\n\n`,
    );
  }
  return new Promise((resolve) => {
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
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Timers of libraries (keep-alive sockets, default metrics) must not hold the process open.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => {
    process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
