import { parseArgs } from "node:util";
import type { Fault } from "./faults.js";

/** What `npm run simulator` was asked for. */
export interface SimulatorCliOptions {
  host: string;
  port: number;
  token: string | undefined;
  environmentId: string;
  apiVersion: "v1" | "v2";
  eventsPerSecond: number;
  history: number;
  seed: number;
  latencyMs: number;
  fault: { name: string; answer: Fault; rate: number } | undefined;
}

/** The usage text (`--help`). */
export const USAGE = `Usage: npm run simulator -- [options]

Runs the built-in simulated Dynatrace as a tenant of its own: the v1 and v2 events feeds, v1 push,
v2 ingest and the Problems API, with token auth, a day of history and a live stream of events.
Prints its URL and token; point the exporter at it to rehearse before using a real tenant.

  --port <n>               port to listen on (default 9722; 0 picks a free one)
  --host <address>         address to listen on (default 127.0.0.1)
  --api-version <v1|v2>    API version the printed settings use (default v2; both are served)
  --events-per-second <n>  new events per second in the live stream (default 0.5)
  --history <n>            events spread over the last 24 h at start (default 3000)
  --latency <ms>           answer every feed page, push and ingest after this long (default 0)
  --fault <answer>         answer a share of requests with: 429, 500, 503 (or another 4xx/5xx
                           status), reset, hang, malformed, truncated
  --fault-rate <0..1>      share of requests the fault takes (default 0.1; needs --fault)
  --token <token>          the API token to accept (default: a new random dt0c01 token)
  --environment-id <id>    the environment id (default sim00001)
  --seed <n>               seed of the event stream (default 42)
  --help                   this text`;

/** A mistake on the command line: one line, exit code 2. */
export class UsageError extends Error {}

function number(name: string, text: string, min: number, max = Number.POSITIVE_INFINITY): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be a number from ${min}${max < Infinity ? ` to ${max}` : ""}, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

function faultAnswer(text: string): Fault {
  if (/^[45]\d\d$/.test(text)) {
    const status = Number(text);
    return {
      kind: "status",
      status,
      headers: { "content-type": "application/json", ...(status === 429 ? { "retry-after": "5" } : {}) },
      body: JSON.stringify({ error: { code: status, message: `simulated fault (${status})` } }),
    };
  }
  if (["reset", "hang", "malformed", "truncated"].includes(text)) return { kind: text } as Fault;
  throw new UsageError(
    `--fault must be a 4xx/5xx status or one of reset, hang, malformed, truncated, got ${JSON.stringify(text)}`,
  );
}

const VALUE_FLAGS = [
  "port",
  "host",
  "api-version",
  "events-per-second",
  "history",
  "latency",
  "fault",
  "fault-rate",
  "token",
  "environment-id",
  "seed",
];

/** Parses the command line; undefined for `--help`. Throws {@link UsageError}. */
export function parseSimulatorArgs(argv: string[]): SimulatorCliOptions | undefined {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const name of VALUE_FLAGS) options[name] = { type: "string" };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, strict: true, options }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (see --help)`);
  }
  if (values.help) return undefined;
  const v = (k: string) => values[k] as string | undefined;
  const apiVersion = v("api-version") ?? "v2";
  if (apiVersion !== "v1" && apiVersion !== "v2") {
    throw new UsageError(`--api-version must be v1 or v2, got ${JSON.stringify(apiVersion)}`);
  }
  const fault = v("fault");
  if (!fault && v("fault-rate") !== undefined) {
    throw new UsageError("--fault-rate needs --fault (the answer the share of requests gets)");
  }
  return {
    host: v("host") ?? "127.0.0.1",
    port: number("port", v("port") ?? "9722", 0, 65_535),
    token: v("token"),
    environmentId: v("environment-id") ?? "sim00001",
    apiVersion,
    eventsPerSecond: number("events-per-second", v("events-per-second") ?? "0.5", 0),
    history: number("history", v("history") ?? "3000", 0, 1_000_000),
    seed: number("seed", v("seed") ?? "42", 0),
    latencyMs: number("latency", v("latency") ?? "0", 0, 600_000),
    fault: fault
      ? {
          name: fault,
          answer: faultAnswer(fault),
          rate: number("fault-rate", v("fault-rate") ?? "0.1", 0, 1),
        }
      : undefined,
  };
}
