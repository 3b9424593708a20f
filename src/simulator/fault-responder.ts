import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { Fault } from "./faults.js";
import type { RequestRecord } from "./sim-options.js";

function statusMessage(status: number): string {
  if (status === 429) return "Too many requests.";
  if (status >= 500) return "Internal server error.";
  return "Request failed.";
}

/** Writes an error in Dynatrace's envelope and records its status. */
export function sendError(res: ServerResponse, record: RequestRecord, status: number, message: string): void {
  record.status = status;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code: status, message, constraintViolations: null } }));
}

/** Sends half of a 200 body announced at full length, then drops the connection. */
export function sendTruncated(
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
  body: string,
): void {
  record.status = "reset";
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.write(body.slice(0, Math.floor(body.length / 2)));
  setImmediate(() => req.socket.destroy());
}

/**
 * Applies a fault before the request is served. True when the fault fully answered (or dropped)
 * the request; false when serving goes on (after a delay, or for faults that alter the answer:
 * truncated, repeat-cursor, endless-cursor). `closing` cuts delays short when the server stops.
 */
export async function respondToFault(
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
  closing: AbortSignal,
): Promise<boolean> {
  switch (fault.kind) {
    case "status": {
      record.status = fault.status;
      const body =
        fault.body ??
        JSON.stringify({
          error: { code: fault.status, message: statusMessage(fault.status), constraintViolations: null },
        });
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(body);
      return true;
    }
    case "reset":
      record.status = "reset";
      req.socket.destroy();
      return true;
    case "hang":
      record.status = "hang";
      return true;
    case "malformed":
      record.status = 200;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"totalEventCount": 3, "events": [{"eventId": 1,, }');
      return true;
    case "delay":
      await delay(fault.ms, undefined, { signal: closing }).catch(() => undefined);
      return closing.aborted;
    case "truncated":
    case "repeat-cursor":
    case "endless-cursor":
      return false;
  }
}
