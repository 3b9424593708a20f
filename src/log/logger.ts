import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel } from "../config/types.js";

export type { Logger };

/**
 * A JSON logger (pino). `destination` defaults to stdout; tests pass a stream to capture lines.
 * Authorization headers are redacted should a request object ever be logged.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "dynatrace-events-exporter" },
      redact: {
        paths: ["headers.authorization", "*.headers.authorization", "token", "*.token"],
        censor: "<redacted>",
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination(1),
  );
}
