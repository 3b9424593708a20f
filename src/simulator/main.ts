import { Prng } from "./prng.js";
import { SimulatedDynatrace } from "./server.js";
import { parseSimulatorArgs, type SimulatorCliOptions, USAGE, UsageError } from "./cli-options.js";

const DAY_MS = 86_400_000;

/** The settings that point the exporter at the simulator, one `NAME=value` a line. */
function exporterSettings(sim: SimulatedDynatrace, o: SimulatorCliOptions): string {
  return [
    `DYNATRACE_URL=${sim.url}`,
    `DYNATRACE_API_TOKEN=${sim.token}`,
    `DYNATRACE_API_VERSION=${o.apiVersion}`,
    `RELAY_API_VERSION=${o.apiVersion}`,
  ].join("\n");
}

function describe(o: SimulatorCliOptions): string {
  const fault = o.fault ? `${o.fault.name} on ${Math.round(o.fault.rate * 100)}% of requests` : "none";
  return `${o.eventsPerSecond} events/s live, ${o.history} in the last 24 h; latency ${o.latencyMs} ms; faults: ${fault}`;
}

/**
 * `npm run simulator`: the simulated Dynatrace as a standalone tenant. Prints its URL and token
 * (and the exporter settings that use them), runs until SIGINT or SIGTERM.
 */
async function main(argv: string[]): Promise<void> {
  let options: SimulatorCliOptions | undefined;
  try {
    options = parseSimulatorArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`simulator: ${err.message}\n`);
    process.exit(2);
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sim = new SimulatedDynatrace({
    environmentId: options.environmentId,
    seed: options.seed,
    eventsPerMinute: options.eventsPerSecond * 60,
    feedLatencyMs: options.latencyMs,
    pushLatencyMs: options.latencyMs,
    ...(options.token ? { token: options.token } : {}),
  });
  if (options.fault) {
    const prng = new Prng(options.seed ^ 0xfa17);
    sim.faults.setRate(options.fault.answer, options.fault.rate, () => prng.next());
  }
  try {
    await sim.listen(options.port, options.host);
  } catch (err) {
    process.stderr.write(
      `simulator: cannot listen on ${options.host}:${options.port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose another with --port\n`,
    );
    process.exit(2);
  }
  sim.generator.history(options.history, DAY_MS, Date.now());
  const ticker = setInterval(() => sim.generator.advanceTo(Date.now()), 1000);
  process.stdout.write(
    `Simulated Dynatrace tenant ${options.environmentId} listening on ${sim.url} (v1 and v2 APIs)\n` +
      `${describe(options)}\n\nPoint the exporter at it:\n${exporterSettings(sim, options)}\n\n` +
      `For example: export the lines above, then \`npm start\` (or \`npm run dev\`) and open http://127.0.0.1:9721/\n` +
      `Stop with Ctrl+C.\n`,
  );
  const stop = () => {
    clearInterval(ticker);
    void sim.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main(process.argv.slice(2));
