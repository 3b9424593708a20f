// Runs in a worker thread started by Checkpointer: its own connection to the outbox database
// checkpoints the WAL on a timer, off the main event loop.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/** What the Checkpointer hands the worker. */
export interface CheckpointWorkerData {
  file: string;
  intervalMs: number;
}

/** Messages the worker posts back: a checkpoint that failed, with SQLite's message. */
export interface CheckpointWorkerMessage {
  error: string;
}

const { file, intervalMs } = workerData as CheckpointWorkerData;
const port = parentPort;
if (!port) throw new Error("checkpoint-worker must run in a worker thread");
const db = new Database(file, { timeout: 5000 });
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (err) {
    port.postMessage({
      error: err instanceof Error ? err.message : String(err),
    } satisfies CheckpointWorkerMessage);
  }
};
const timer = setInterval(checkpoint, intervalMs);
// Any message means stop: one last checkpoint, then close. The explicit exit ends the thread even
// when a module loader (tsx in tests) keeps a handle of its own open.
port.once("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  port.close();
  process.exit(0);
});
