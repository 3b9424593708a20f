// Runs in a worker thread started by PasswordChecker: bcrypt comparisons, one at a time, off the
// main event loop (bcryptjs is pure JavaScript; ~80 ms of CPU per check at cost 10).
import { parentPort } from "node:worker_threads";
import bcrypt from "bcryptjs";

/** One comparison asked of the worker. */
export interface CompareRequest {
  id: number;
  password: string;
  hash: string;
}

/** The worker's answer to {@link CompareRequest} `id`. */
export interface CompareAnswer {
  id: number;
  ok: boolean;
}

const port = parentPort;
if (!port) throw new Error("bcrypt-worker must run in a worker thread");
port.on("message", (m: CompareRequest) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.password, m.hash);
  } catch {
    // A hash bcryptjs cannot read matches nothing.
  }
  port.postMessage({ id: m.id, ok } satisfies CompareAnswer);
});
