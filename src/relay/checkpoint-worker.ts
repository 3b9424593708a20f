// Runs in a worker thread started by Checkpointer: its own connection to the outbox database
// checkpoints the WAL on a timer, off the main event loop.
import { statSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/** What the Checkpointer hands the worker. */
export interface CheckpointWorkerData {
  file: string;
  intervalMs: number;
  /** A WAL larger than this is truncated once a checkpoint has caught up with it. */
  walLimitBytes: number;
}

/** What the Checkpointer tells the worker. */
export type CheckpointWorkerCommand = "pause" | "resume" | "stop";

/** Messages the worker posts back: a checkpoint that failed, with SQLite's message. */
export interface CheckpointWorkerMessage {
  error: string;
}

const { file, intervalMs, walLimitBytes } = workerData as CheckpointWorkerData;
const port = parentPort;
if (!port) throw new Error("checkpoint-worker must run in a worker thread");
// The writer made the file before starting this thread. A thread that starts late (tsx compiles it
// on a busy machine) after the outbox was closed and its directory removed must not make an empty
// file there again: it fails instead, and the writer checkpoints itself.
const db = new Database(file, { timeout: 5000, fileMustExist: true });
db.pragma(`journal_size_limit = ${walLimitBytes}`);

function walBytes(): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

const checkpoint = () => {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)") as { busy: number; log: number; checkpointed: number }[];
    // SQLite reuses a WAL file rather than shrinking it: after a burst (a long outage's queue
    // drained) it would keep its largest size for good. Once everything in it is in the database,
    // a TRUNCATE checkpoint gives the space back; it holds the writer for a truncate and an fsync.
    if (r && r.busy === 0 && r.checkpointed === r.log && walBytes() > walLimitBytes)
      db.pragma("wal_checkpoint(TRUNCATE)");
  } catch (err) {
    port.postMessage({
      error: err instanceof Error ? err.message : String(err),
    } satisfies CheckpointWorkerMessage);
  }
};
/** Paused while the disk is full: a checkpoint grows the database file into the outbox's reserve. */
let paused = false;
const timer = setInterval(() => {
  if (!paused) checkpoint();
}, intervalMs);
// "pause" and "resume" switch the timer's checkpoints; anything else means stop: one last
// checkpoint, then close. The explicit exit ends the thread even when a module loader (tsx in
// tests) keeps a handle of its own open.
port.on("message", (m: CheckpointWorkerCommand) => {
  if (m === "pause" || m === "resume") {
    paused = m === "pause";
    return;
  }
  clearInterval(timer);
  checkpoint();
  db.close();
  port.close();
  process.exit(0);
});
